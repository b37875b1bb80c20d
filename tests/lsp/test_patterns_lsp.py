"""The language server shows the statement-level rules (MS2xx) as the scan finds them: golden
diagnostics per fixture, a hover explaining each rule, and fix-all giving exactly the converted
text `msdev convert` writes (tests/fixtures/patterns/<case>.out.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from msdev.analysis.patterns import EXPLAIN
from msdev.db.loader import load_database
from msdev.rewrite.convert import convert_text

from .conftest import ROOT, VSCODE, apply_text_edits, fixture_payload, make_client, structure

PATTERNS = ROOT / "tests" / "fixtures" / "patterns"
DB = load_database(ROOT / "mapping_db")
CASES = sorted(p for p in PATTERNS.glob("*.py") if not p.name.endswith(".out.py"))
SHIPPED = ClientServerConfig(server_command=[sys.executable, "-m", "msdev", "lsp", "--db", str(ROOT / "mapping_db")],
                             client_factory=make_client)


@pytest_lsp.fixture(config=SHIPPED)
async def client(lsp_client: LanguageClient, tmp_path: Path):
    lsp_client.set_configuration({"profile": "portable", "showLikelyTensorMethods": True}, section="msdev")
    await lsp_client.initialize_session(structure(lsp_client, fixture_payload(VSCODE, tmp_path)))
    yield
    await lsp_client.shutdown_session()


def _golden_findings(case: Path) -> list[str]:
    """The scan golden (1-based lines) in the server's coordinates."""
    out = []
    for line in case.with_suffix(".findings").read_text(encoding="utf-8").splitlines():
        span, code, rest = line.split(" ", 2)
        (sl, sc), (el, ec) = [tuple(map(int, p.split(":"))) for p in span.split("-")]
        out.append(f"{sl - 1}:{sc}-{el - 1}:{ec} {code} {rest}")
    return out


async def test_pattern_diagnostics_hover_and_fix_all(client: LanguageClient, tmp_path: Path):
    for case in CASES:
        text = case.read_text(encoding="utf-8")
        path = tmp_path / case.name
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        report = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        diags = [d for d in report.items if str(d.code).startswith("MS2")]
        shown = []
        for d in diags:
            api, detail = d.message.split(" (", 1)[0], d.message.split(": ", 1)[-1]
            r = d.range
            shown.append(f"{r.start.line}:{r.start.character}-{r.end.line}:{r.end.character} {d.code} {api}: {detail}")
        assert shown == _golden_findings(case), case.name
        for d in diags:
            hover = await client.text_document_hover_async(types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=d.range.start))
            value = hover.contents.value
            assert d.code in value and EXPLAIN[d.code][:40] in value, (case.name, d.code)
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=["source.fixAll.msdev"])))
        [fix_all] = [a for a in actions if isinstance(a, types.CodeAction)]
        resolved = await client.code_action_resolve_async(fix_all)
        [doc_edit] = resolved.edit.document_changes
        fixed = apply_text_edits(text, doc_edit.edits)
        golden = case.with_name(case.stem + ".out.py").read_text(encoding="utf-8")
        unsafe = {(o.finding.line, o.finding.column) for o in convert_text(text, DB).outcomes
                  if o.converted and not o.safe}
        safe_only = convert_text(text, DB, keep=lambda f: (f.line, f.column) not in unsafe).text
        if not unsafe or safe_only == golden:  # no unsafe fix, or none that changes the text
            assert fixed == golden, case.name
        else:  # fix-all applies the safe fixes only: an unsafe one stays for its own quick fix
            assert fixed != golden, case.name
            safe_only = convert_text(text, DB, keep=lambda f: (f.line, f.column) not in unsafe).text
            assert fixed == safe_only, case.name


async def test_pattern_quick_fix(client: LanguageClient, tmp_path: Path):
    case = PATTERNS / "runtime.py"
    text = case.read_text(encoding="utf-8")
    path = tmp_path / "runtime.py"
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    diags = (await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))).items
    save = next(d for d in diags if d.code == "MS206" and "torch.save" in d.message)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=save.range,
        context=types.CodeActionContext(diagnostics=[save], only=[types.CodeActionKind.QuickFix])))
    quick = [a for a in actions if isinstance(a, types.CodeAction) and "checkpoint" in a.title]
    assert len(quick) == 1
    resolved = await client.code_action_resolve_async(quick[0])
    fixed = apply_text_edits(text, resolved.edit.document_changes[0].edits)
    assert "    mindspore.save_checkpoint(model, path)" in fixed.split("\n")
    assert "import mindspore" in fixed
