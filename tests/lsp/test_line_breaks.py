"""Issue 21 item 1: lines end only at \\n, \\r\\n and \\r, wherever a position is computed.

Characters that `str.splitlines()` also breaks at (form feed, U+000B, U+0085, U+2028, ...) must
not shift incremental edits, diagnostics or quick fixes by a line.
"""

from __future__ import annotations

import ast
import random
import sys
from pathlib import Path

from lsprotocol import types

from msdev.lsp.textsync import SpecWorkspace, offset_at
from msdev.textlines import line_starts, split_lines

from .conftest import LSP4IJ, ROOT, TEST_DB, fixture_payload
from .rawclient import RawClient

ODD = ["\x0c", "\x0b", "\x85", "\u2028", "\u2029", "\x1c", "\r\n", "\r", "\n", "😀", "é", "\t"]
SERVER = ROOT / "server" / "msdev"


def test_no_splitlines_where_positions_are_computed():
    """`splitlines()` disagrees with Python and the LSP about what a line is: never used on source."""
    offenders = []
    for package in ("lsp", "analysis", "rewrite", "scanning", "report"):
        for path in sorted((SERVER / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr == "splitlines":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    for path in (SERVER / "convert_tree.py", SERVER / "findings.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "splitlines":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def _reference_apply(text: str, rng: tuple[int, int, int, int], new: str) -> str:
    """What an LSP client does: lines split at \\n, \\r\\n, \\r; UTF-16 columns clamped to the line."""
    starts = line_starts(text)
    lines = split_lines(text)

    def off(line: int, ch: int) -> int:
        if line >= len(lines):
            return len(text)
        units, i = 0, 0
        body = lines[line]
        while i < len(body) and units < ch:
            units += 2 if ord(body[i]) > 0xFFFF else 1
            i += 1
        return starts[line] + i

    a, b = off(rng[0], rng[1]), off(rng[2], rng[3])
    return text[:a] + new + text[b:]


def test_incremental_changes_follow_the_specification():
    rnd = random.Random(21)
    ws = SpecWorkspace(None)
    uri = "untitled:a.py"
    text = "import torch\n\x0cx = torch.zeros(3)\r\ny = 1\x0b2\u2028\rz\x85 = '😀'\n"
    ws.put_text_document(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
    for step in range(2000):
        lines = split_lines(text)
        l1 = rnd.randrange(len(lines) + 1)
        l2 = min(len(lines), l1 + rnd.randrange(3))
        c1, c2 = rnd.randrange(12), rnd.randrange(12)
        if l2 == l1 and c2 < c1:
            c1, c2 = c2, c1
        new = "".join(rnd.choice(ODD + ["ab", "torch.ones(", ""]) for _ in range(rnd.randrange(4)))
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(l1, c1), end=types.Position(l2, c2)), text=new)
        ws.update_text_document(types.VersionedTextDocumentIdentifier(uri=uri, version=step + 2), change)
        text = _reference_apply(text, (l1, c1, l2, c2), new)
        assert ws.get_text_document(uri).source == text, step


def test_offset_clamps_like_the_specification():
    text = "ab\x0ccd\r\nx"
    starts = line_starts(text)
    assert offset_at(text, starts, types.Position(0, 99), "utf-16") == 5  # end of line 0, before \r\n
    assert offset_at(text, starts, types.Position(1, 0), "utf-16") == 7
    assert offset_at(text, starts, types.Position(7, 0), "utf-16") == len(text)


def test_form_feed_file_keeps_diagnostics_and_quick_fixes_on_their_line(tmp_path):
    client = RawClient([sys.executable, "-m", "msdev", "lsp", "--db", str(TEST_DB), "--diagnostics", "push",
                        "--debounce-ms", "10"])
    try:
        client.responders["workspace/configuration"] = lambda p: [None]
        client.request("initialize", fixture_payload(LSP4IJ, tmp_path), timeout=60)
        client.notify("initialized", {})
        uri = (tmp_path / "ff.py").as_uri()
        text = "import torch\n\x0c\ndef g(x):\n    s = 'é\x0b\u2028'\n    return torch.zeros(3)\n"
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": text}})
        client.wait_notification("textDocument/publishDiagnostics", lambda p: p.get("version") == 1, 20)
        # insert a line at the top: an incremental change below a form feed
        client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                                "text": "# header\n"}]})
        text = "# header\n" + text
        diags = client.wait_notification("textDocument/publishDiagnostics", lambda p: p.get("version") == 2, 20)
        zeros = [d for d in diags["diagnostics"] if d["data"]["api"] == "torch.zeros"]
        assert zeros, diags
        line = split_lines(text).index("    return torch.zeros(3)")
        assert zeros[0]["range"]["start"] == {"line": line, "character": 11}
        actions = client.request("textDocument/codeAction", {
            "textDocument": {"uri": uri}, "range": zeros[0]["range"],
            "context": {"diagnostics": [zeros[0]], "only": ["quickfix"]}})
        action = actions[0]
        if "edit" not in action:
            action = client.request("codeAction/resolve", action)
        edits = action["edit"]["documentChanges"][0]["edits"]
        for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                        reverse=True):
            text = _reference_apply(text, (e["range"]["start"]["line"], e["range"]["start"]["character"],
                                           e["range"]["end"]["line"], e["range"]["end"]["character"]), e["newText"])
        assert "def g(x):\n" in text and "    return ops.zeros(3)" in text.replace("mindspore.ops", "ops"), text
        compile(text, "ff.py", "exec")
        assert client.shutdown() == 0
    finally:
        client.kill()
