"""One verdict per finding: the fix msdev makes (and how safe it is) or why it cannot make one.

The verdict is what the rewriter decided while converting the whole file (`convert.rewrite_findings`),
so every surface that asks "does this use convert?" gets the answer `msdev convert` acts on:
scan's readiness counts fixable verdicts, the editor offers a quick fix only for them, SARIF
levels and convert's rate read them. `decide` computes them eagerly for a file's findings
(scan, the language server's analysis); `convert_text` records them as it converts.
"""

from __future__ import annotations

from ..findings import Applicability, Verdict


#: above this many findings in one file (generated code) verdicts are not computed: accepting
#: edits into the conversion is quadratic in the number of uses (`convert._accept`,
#: `Rewriter.rendered`), so such a file keeps its status-based answer in scan and the editor
MAX_FINDINGS = 20_000


def verdict_of(outcome) -> Verdict:
    """A conversion Outcome as a Verdict."""
    if not outcome.converted:
        return Verdict(None, outcome.reason)
    return Verdict(Applicability.SAFE if outcome.safe else Applicability.UNSAFE, "", list(outcome.notes))


def record_verdicts(outcomes: dict) -> None:
    """Store each outcome's verdict on its finding (`Finding.verdict`)."""
    for outcome in outcomes.values():
        outcome.finding.verdict = verdict_of(outcome)


def decide(context, db, profile: str = "portable", module=None) -> None:
    """Give every finding of an analysed file (a FileContext) its verdict, by running the
    conversion's rewrite of the whole file (no text is produced); `module`: its ModuleContext."""
    from .convert import file_rewriter, rewrite_findings
    from .source import SourceText

    findings = context.findings
    if not findings or len(findings) > MAX_FINDINGS:
        return  # undecided: the status stands in (see MAX_FINDINGS)
    rewriter, _ = file_rewriter(SourceText(context.text), context.tree, db, profile, module, context)
    record_verdicts(rewrite_findings(rewriter, findings, profile, module))
