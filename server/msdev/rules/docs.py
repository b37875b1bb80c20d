"""A rule's documentation as Markdown, and docs/rules/ generated from the registry.

`msdev rule CODE`, SARIF `help.markdown` and the pages under docs/rules/ print the same text.
Regenerate the pages after editing a rule:

    python -m msdev.rules.docs [REPO_ROOT]

(tests/rules checks that the checked-in pages are up to date).
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import REGISTRY
from .spec import RuleSpec

_FIX_WORDS = {"always": "Always fixed automatically.",
              "some uses": "Fixed automatically for some uses; the others get the reason.",
              "never": "Never fixed automatically."}


def _block(code: str) -> str:
    return f"```python\n{code}\n```"


def rule_markdown(spec: RuleSpec) -> str:
    """The whole documentation of one rule."""
    kind = "statement-level rule" if spec.statement_level else f"status `{spec.status}`"
    return "\n".join([
        f"# {spec.code} {spec.name}",
        "",
        spec.summary,
        "",
        f"Default severity: **{spec.severity}** (SARIF level `{spec.sarif_level}`) · {kind} · "
        f"reported status `{spec.status}`",
        "",
        "## What it detects",
        "",
        spec.detects,
        "",
        "## Why it matters in MindSpore",
        "",
        spec.why,
        "",
        "## Example",
        "",
        "PyTorch:",
        "",
        _block(spec.before),
        "",
        "MindSpore:",
        "",
        _block(spec.after),
        "",
        "## Fix",
        "",
        f"{_FIX_WORDS[spec.fix]} {spec.fix_detail}",
        "",
        f"Official documentation: <{spec.official}>",
        "",
    ])


def rule_list() -> str:
    """One line per rule: code, default severity, fix, summary (`msdev rule --all`)."""
    width = max(len(r.name) for r in REGISTRY.values())
    return "\n".join(f"{r.code}  {r.name:<{width}}  {r.severity:<11}  fix: {r.fix:<9}  {r.summary}"
                     for r in REGISTRY.values())


def index_markdown() -> str:
    lines = ["# msdev rules", "", "Generated from the rule registry (`server/msdev/rules/`) by "
             "`python -m msdev.rules.docs`; do not edit by hand.", "",
             "| Code | Name | Default severity | Fixed | Summary |", "|---|---|---|---|---|"]
    for r in REGISTRY.values():
        lines.append(f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity} | {r.fix} | {r.summary} |")
    return "\n".join(lines) + "\n"


def expected_pages() -> dict[str, str]:
    """docs/rules/ file name → content, as the registry defines it."""
    pages = {f"{r.code}.md": rule_markdown(r) for r in REGISTRY.values()}
    pages["README.md"] = index_markdown()
    return pages


def write_pages(root: Path) -> list[Path]:
    folder = root / "docs" / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in expected_pages().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    for stale in folder.glob("MS*.md"):
        if stale.name not in expected_pages():
            stale.unlink()
            written.append(stale)
    return written


if __name__ == "__main__":  # pragma: no cover
    top = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3]
    for p in write_pages(top):
        print(p)
