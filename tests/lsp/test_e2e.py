"""End-to-end: the real `msdev lsp` process, started with VS Code's and LSP4IJ's real initialize
payloads, driven by pytest-lsp."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from msdev.db.loader import load_database
from msdev.rewrite.convert import convert_text

from .conftest import LSP4IJ, TEST_DB, VSCODE, apply_text_edits, config, fixture_payload, structure

CAT_LINE = 15  # 0-based: `label = "ünïcödé 😀"; z = torch.cat([y, y], dim=1)`


def _open(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)))


def _change(client: LanguageClient, uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str):
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(*start), end=types.Position(*end)), text=text)]))


async def _pull(client: LanguageClient, uri: str, previous: str | None = None):
    return await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri), previous_result_id=previous))


def _by_code(diags) -> dict[str, list]:
    out: dict[str, list] = {}
    for d in diags:
        out.setdefault(d.code, []).append(d)
    return out


def _find(diags, needle: str):
    hits = [d for d in diags if needle in d.message]
    assert hits, f"no diagnostic mentions {needle!r}: {[d.message for d in diags]}"
    return hits[0]


@pytest.fixture
def workspace(tmp_path: Path, sample_text: str) -> Path:
    (tmp_path / "model.py").write_text(sample_text, encoding="utf-8")
    return tmp_path


# ---------------------------------------------------------------------- VS Code (pull)
@pytest_lsp.fixture(config=config())
async def vscode(lsp_client: LanguageClient, tmp_path: Path):
    lsp_client.set_configuration({"profile": "portable"}, section="msdev")
    result = await lsp_client.initialize_session(structure(lsp_client, fixture_payload(VSCODE, tmp_path)))
    lsp_client.init_result = result
    yield
    await lsp_client.shutdown_session()


async def test_vscode_pull_diagnostics(vscode: LanguageClient, tmp_path: Path, sample_text: str):
    lsp_client = vscode
    caps = lsp_client.init_result.capabilities
    assert caps.diagnostic_provider is not None, "VS Code advertises pull: the server must offer it"
    assert caps.position_encoding in (None, types.PositionEncodingKind.Utf16)
    uri = (tmp_path / "model.py").as_uri()
    _open(lsp_client, uri, sample_text)
    report = await _pull(lsp_client, uri)
    assert report.kind == "full"
    diags = report.items
    codes = _by_code(diags)
    # torch.cuda.is_available() and z.cuda() are rewritten by the device rule (MS204)
    assert set(codes) == {"MS100", "MS101", "MS102", "MS103", "MS105", "MS204"}
    conv = _find(diags, "torch.nn.Conv2d → mindspore.nn.Conv2d")
    assert conv.message == ("torch.nn.Conv2d → mindspore.nn.Conv2d: 4 arguments differ "
                            "(groups, bias, padding, padding_mode)")
    assert conv.source == "msdev" and conv.code == "MS103"
    assert conv.severity == types.DiagnosticSeverity.Information
    assert conv.range == types.Range(start=types.Position(8, 20), end=types.Position(8, 29))
    assert conv.code_description.href.endswith("/pytorch_diff/Conv2d.html")
    # rewritten by the device rule: an automatic arg-diff rewrite, shown as information
    assert _find(diags, "torch.cuda.is_available").severity == types.DiagnosticSeverity.Information
    assert _find(diags, "torch.nn.ReLU").severity == types.DiagnosticSeverity.Hint
    # UTF-16 columns on a line with non-ASCII text: 😀 counts two units
    cat = _find(diags, "torch.cat → mindspore.ops.cat")
    assert cat.range == types.Range(start=types.Position(CAT_LINE, 34), end=types.Position(CAT_LINE, 43))
    # a second pull of the same version is "unchanged"
    again = await _pull(lsp_client, uri, report.result_id)
    assert again.kind == "unchanged"
    # after a change, a pull waits for the new analysis
    _change(lsp_client, uri, 2, (0, 0), (0, 0), "# header\n")
    report2 = await _pull(lsp_client, uri, report.result_id)
    assert report2.kind == "full"
    assert _find(report2.items, "torch.nn.Conv2d").range.start.line == 9


async def test_vscode_hover(vscode: LanguageClient, tmp_path: Path, sample_text: str):
    lsp_client = vscode
    uri = (tmp_path / "model.py").as_uri()
    _open(lsp_client, uri, sample_text)
    await _pull(lsp_client, uri)
    hover = await lsp_client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(8, 24)))
    assert hover.contents.kind == types.MarkupKind.Markdown
    text = hover.contents.value
    assert "`torch.nn.Conv2d` → `mindspore.nn.Conv2d`" in text
    assert "| `groups` | `group` | renamed |" in text
    assert "`has_bias=True`" in text
    assert "Verified on MindSpore 2.10 CPU" in text
    assert "pytorch_diff/Conv2d.html" in text
    assert hover.range == types.Range(start=types.Position(8, 20), end=types.Position(8, 29))
    # UTF-16 column inside torch.cat on the non-ASCII line
    hover = await lsp_client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(CAT_LINE, 36)))
    assert "`mindspore.ops.cat`" in hover.contents.value
    assert hover.range.start.character == 34
    # an API in an import statement, and a name that is not PyTorch
    hover = await lsp_client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(18, 10)))
    assert hover is None  # `if` keyword


async def test_vscode_quick_fix_and_fix_all(vscode: LanguageClient, tmp_path: Path, sample_text: str):
    lsp_client = vscode
    uri = (tmp_path / "model.py").as_uri()
    _open(lsp_client, uri, sample_text)
    diags = (await _pull(lsp_client, uri)).items
    cat = _find(diags, "torch.cat")
    actions = await lsp_client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=cat.range,
        context=types.CodeActionContext(diagnostics=[cat], trigger_kind=types.CodeActionTriggerKind.Invoked)))
    actions = [a for a in actions if isinstance(a, types.CodeAction)]  # see test_vscode_convert_file
    quick = [a for a in actions if a.kind == types.CodeActionKind.QuickFix]
    assert [a.title for a in quick[1:]] == ["msdev: ignore MS103 on this line"]  # the fix first, silencing last
    assert quick[0].is_preferred
    resolved = await lsp_client.code_action_resolve_async(quick[0])
    assert resolved.edit is not None
    [doc_edit] = resolved.edit.document_changes
    assert doc_edit.text_document.version == 1
    fixed = apply_text_edits(sample_text, doc_edit.edits)
    assert '        label = "ünïcödé 😀"; z = ops.cat([y, y], axis=1)' in fixed.split("\n")
    assert "from mindspore import ops" in fixed
    assert fixed.count("\n") == sample_text.count("\n") + 1  # one import line, nothing else moved
    # fix-all: the whole-file conversion, as minimal edits
    fix_all = [a for a in actions if a.kind == "source.fixAll.msdev"]
    assert fix_all
    resolved = await lsp_client.code_action_resolve_async(fix_all[0])
    converted = apply_text_edits(sample_text, resolved.edit.document_changes[0].edits)
    expected = convert_text(sample_text, load_database(TEST_DB), "portable", str(tmp_path / "model.py")).text
    assert converted == expected
    assert "import torch" not in converted.split("\n")[0:2] or "mindspore" in converted


async def test_vscode_quick_fix_only_where_convert_converts(vscode: LanguageClient, tmp_path: Path):
    # diagnostics go out before the rewriter's verdicts; a code action asked for at once still
    # gets the verdict (no fix for the conv convert refuses, a preferred one for the plain conv)
    lsp_client = vscode
    uri = (tmp_path / "convs.py").as_uri()
    text = "import torch.nn as nn\n\nconv = nn.Conv2d(3, 16, 3, padding_mode='reflect', dtype=torch.float16)\nplain = nn.Conv2d(3, 16, 3)\n"
    _open(lsp_client, uri, text)
    diags = (await _pull(lsp_client, uri)).items
    offered, codes = {}, {}
    for line in (2, 3):
        [diag] = [d for d in diags if d.range.start.line == line]
        codes[line] = diag.code
        actions = await lsp_client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag], trigger_kind=types.CodeActionTriggerKind.Invoked)))
        offered[line] = [a for a in actions if isinstance(a, types.CodeAction) and a.kind == types.CodeActionKind.QuickFix]
    assert [a.title for a in offered[2]] == [f"msdev: ignore {codes[2]} on this line"]
    fix, ignore = offered[3]
    assert fix.title == "msdev: replace torch.nn.Conv2d with mindspore.nn.Conv2d" and fix.is_preferred
    assert ignore.title.startswith("msdev: ignore")


async def test_vscode_convert_file(vscode: LanguageClient, workspace: Path, tmp_path: Path, sample_text: str):
    lsp_client = vscode
    path = tmp_path / "model.py"
    uri = path.as_uri()
    _open(lsp_client, uri, sample_text)
    await _pull(lsp_client, uri)
    actions = await lsp_client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        context=types.CodeActionContext(diagnostics=[], only=["source"])))
    # lsprotocol's client-side hook reads any action carrying a command as a bare Command (and
    # garbles it), so match on the title here; the raw JSON is checked in tests/pycharm
    convert = [a for a in actions if a.title.startswith("msdev: convert file to MindSpore")]
    assert len(convert) == 1
    preview = await lsp_client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="msdev.convertFile", arguments=[uri]))
    assert preview["target_uri"] == (tmp_path / "model_ms.py").as_uri()
    assert not (tmp_path / "model_ms.py").exists(), "without write the command must not write"
    for expected in ("model_ms.py", "model_ms_1.py"):
        result = await lsp_client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="msdev.convertFile", arguments=[uri, {"write": True}]))
        assert result["target_uri"] == (tmp_path / expected).as_uri()
        assert (tmp_path / expected).read_text(encoding="utf-8") == result["text"] == preview["text"]
        assert result["converted"] > 0
    assert path.read_text(encoding="utf-8") == sample_text, "the original is never touched"
    assert [d.uri for d in lsp_client.shown_documents][-1] == (tmp_path / "model_ms_1.py").as_uri()


async def test_vscode_search_and_bad_command(vscode: LanguageClient, tmp_path: Path):
    lsp_client = vscode
    rows = await lsp_client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="msdev.searchApi", arguments=["Conv2d"]))
    assert rows[0]["torch_api"] == "torch.nn.Conv2d" and rows[0]["mindspore_api"] == "mindspore.nn.Conv2d"
    assert set(rows[0]) == {"torch_api", "mindspore_api", "status", "summary", "note_url"}
    rows = await lsp_client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="msdev.searchApi", arguments=["mindspore.ops.cat"]))
    assert rows[0]["torch_api"] == "torch.cat"
    with pytest.raises(Exception):
        await lsp_client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="msdev.searchApi", arguments=[42]))
    # the server keeps serving after an error
    rows = await lsp_client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="msdev.searchApi", arguments=["relu"]))
    assert any(r["torch_api"] == "torch.nn.functional.relu" for r in rows)


# ---------------------------------------------------------------------- LSP4IJ payload, push mode
@pytest_lsp.fixture(config=config("--diagnostics", "push"))
async def pusher(lsp_client: LanguageClient, tmp_path: Path):
    lsp_client.set_configuration({"profile": "portable"}, section="msdev")
    await lsp_client.initialize_session(structure(lsp_client, fixture_payload(LSP4IJ, tmp_path)))
    yield
    await lsp_client.shutdown_session()


async def test_push_every_version_and_syntax_error_mid_edit(pusher: LanguageClient, tmp_path: Path,
                                                            sample_text: str):
    lsp_client = pusher
    rec = lsp_client.recorder
    uri = (tmp_path / "model.py").as_uri()
    _open(lsp_client, uri, sample_text)
    first = await rec.diagnostics(uri, version=1)
    assert len(first) == 11
    # an edit that changes nothing msdev cares about still gets a publish for its version
    _change(lsp_client, uri, 2, (4, 0), (4, 0), "# comment\n")
    second = await rec.diagnostics(uri, version=2)
    assert len(second) == 11
    assert _find(second, "torch.nn.Conv2d").range.start.line == 9
    # half-typed code on line 11: the file no longer parses
    _change(lsp_client, uri, 3, (11, 0), (11, 0), "        self.fc = nn.Linear(\n")
    third = await rec.diagnostics(uri, version=3)
    # everything on untouched lines is kept (and shifted); nothing flickers away
    assert len(third) == 11
    assert _find(third, "torch.nn.Conv2d").range.start.line == 9
    assert _find(third, "torch.flatten").range.start.line == 20
    # finishing the line makes it parse again
    _change(lsp_client, uri, 4, (11, 28), (11, 28), "4, 4)")
    fourth = await rec.diagnostics(uri, version=4)
    assert len(fourth) == 12  # nn.Linear is unknown to the test database: MS107
    assert _find(fourth, "torch.nn.Linear has no entry").range.start.line == 11


async def test_push_configuration_change(pusher: LanguageClient, tmp_path: Path, sample_text: str):
    lsp_client = pusher
    rec = lsp_client.recorder
    uri = (tmp_path / "model.py").as_uri()
    _open(lsp_client, uri, sample_text)
    await rec.diagnostics(uri, version=1)
    mark = len(rec.items)
    lsp_client.set_configuration({"profile": "portable", "severity": {"arg-diff": "error", "identical": "off"},
                                  "ignore": ["torch.cuda"], "showLikelyTensorMethods": False}, section="msdev")
    lsp_client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    diags = await rec.diagnostics(uri, start=mark)
    assert _find(diags, "torch.nn.Conv2d").severity == types.DiagnosticSeverity.Error
    assert not [d for d in diags if d.code == "MS100"], "identical is off"
    assert not [d for d in diags if "torch.cuda.is_available" in d.message], "torch.cuda is ignored"
    assert not [d for d in diags if "torch.Tensor.size" in d.message], "likely tensor methods hidden"
    assert [d for d in diags if "torch.Tensor.cuda" in d.message], "a certain tensor method stays"
    # settings pushed directly (LSP4IJ sends settings.json this way), switching the profile
    mark = len(rec.items)
    lsp_client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"msdev": {"profile": "ascend"}}))
    diags = await rec.diagnostics(uri, start=mark)
    conv = _find(diags, "torch.nn.Conv2d")
    assert conv.message == "torch.nn.Conv2d → mindspore.mint.nn.Conv2d: same API"
    assert conv.severity == types.DiagnosticSeverity.Hint
    # a null answer to workspace/configuration means defaults
    mark = len(rec.items)
    lsp_client.set_configuration(None, section="msdev")
    lsp_client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    diags = await rec.diagnostics(uri, start=mark)
    assert _find(diags, "torch.nn.Conv2d").message.startswith("torch.nn.Conv2d → mindspore.nn.Conv2d")


async def test_push_notebook(pusher: LanguageClient, tmp_path: Path):
    lsp_client = pusher
    rec = lsp_client.recorder
    nb_uri = (tmp_path / "train.ipynb").as_uri()
    cells = ["import torch\n%matplotlib inline\nimport torch.nn as nn", "# markdown", "layer = nn.Conv2d(3, 8, 3)\n!pip list\nx = torch.cat([a, b], dim=0)"]
    kinds = [types.NotebookCellKind.Code, types.NotebookCellKind.Markup, types.NotebookCellKind.Code]
    cell_uris = [f"vscode-notebook-cell:{tmp_path}/train.ipynb#cell{i}" for i in range(3)]
    lsp_client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(
            uri=nb_uri, notebook_type="jupyter-notebook", version=1,
            cells=[types.NotebookCell(kind=k, document=u) for k, u in zip(kinds, cell_uris)]),
        cell_text_documents=[types.TextDocumentItem(uri=u, language_id="python" if k == types.NotebookCellKind.Code else "markdown",
                                                    version=1, text=t) for u, k, t in zip(cell_uris, kinds, cells)]))
    diags = await rec.diagnostics(cell_uris[2])
    assert [(d.range.start.line, d.range.start.character, d.code) for d in diags] == [(0, 8, "MS103"), (2, 4, "MS103")]
    # an edit in the third cell
    mark = len(rec.items)
    lsp_client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
        notebook_document=types.VersionedNotebookDocumentIdentifier(uri=nb_uri, version=2),
        change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(text_content=[
            types.NotebookDocumentCellContentChanges(
                document=types.VersionedTextDocumentIdentifier(uri=cell_uris[2], version=2),
                changes=[types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(0, 0), types.Position(0, 0)), text="y = torch.zeros(3)\n")])]))))
    diags = await rec.diagnostics(cell_uris[2], version=2, start=mark)
    assert [(d.range.start.line, d.code) for d in diags] == [(0, "MS100"), (1, "MS103"), (3, "MS103")]
    # a quick fix in a cell edits that cell (and adds the import to the first one)
    cat = diags[2]
    actions = await lsp_client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=cell_uris[2]), range=cat.range,
        context=types.CodeActionContext(diagnostics=[cat], only=[types.CodeActionKind.QuickFix])))
    resolved = await lsp_client.code_action_resolve_async(actions[0])
    by_uri = {e.text_document.uri: e.edits for e in resolved.edit.document_changes}
    assert set(by_uri) == {cell_uris[2]}  # the import goes to the top of the cell that needs it
    cell2 = apply_text_edits("y = torch.zeros(3)\n" + cells[2], by_uri[cell_uris[2]]).split("\n")
    assert cell2[0] == "from mindspore import ops"
    assert cell2[4] == "x = ops.cat([a, b], axis=0)"
    # hover inside a cell
    hover = await lsp_client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=cell_uris[2]), position=types.Position(1, 12)))
    assert "`mindspore.nn.Conv2d`" in hover.contents.value


async def test_push_untitled_document(pusher: LanguageClient):
    lsp_client = pusher
    rec = lsp_client.recorder
    uri = "untitled:Untitled-1"
    _open(lsp_client, uri, "import torch\nx = torch.zeros(2)\n")
    diags = await rec.diagnostics(uri, version=1)
    assert [(d.range.start.line, d.code) for d in diags] == [(1, "MS100")]
