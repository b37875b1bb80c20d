"""Fuzz: random edits of real corpus files through didChange (thousands of steps), with hover,
code action and pull requests mixed in. The server must answer every request, never log an
error, and end every burst with diagnostics for the final version."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import corpus_dir

from .conftest import LSP4IJ, ROOT, fixture_payload
from .rawclient import RawClient

CORPUS = corpus_dir()
FILES = sorted(CORPUS.glob("timm/timm/layers/*.py"))[:40] if CORPUS else []
if not FILES:  # without the corpus, the repository's own fixtures still exercise the server
    FILES = sorted((ROOT / "tests" / "fixtures").rglob("*.py"))[:40]

STEPS_PER_EXAMPLE = 300
EXAMPLES = 12  # 3,600 didChange steps in all

pieces = st.sampled_from(["", "(", ")", "torch.", "nn.Conv2d(", "x.view(", "\n", "    ", "'", '"', ":", "é", "😀",
                          "import torch\n", "def f(x):\n", "class A(nn.Module):\n", "#", "\\", "]", "[", ",", " = "])
edit = st.tuples(st.floats(0, 1), st.floats(0, 1), st.integers(0, 12), st.lists(pieces, max_size=4).map("".join))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    client = RawClient([sys.executable, "-m", "msdev", "lsp", "--diagnostics", "push", "--debounce-ms", "20"])
    client.responders["workspace/configuration"] = lambda p: [None]
    client.request("initialize", fixture_payload(LSP4IJ, root), timeout=60)
    client.notify("initialized", {})
    yield client
    assert client.shutdown() == 0
    log = "".join(client.stderr_lines)
    assert "Traceback" not in log and " ERROR " not in log, log[-4000:]


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


counter = {"n": 0}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(file_index=st.integers(0, len(FILES) - 1), edits=st.lists(edit, min_size=STEPS_PER_EXAMPLE,
                                                                  max_size=STEPS_PER_EXAMPLE))
def test_random_edits(server: RawClient, file_index: int, edits):
    counter["n"] += 1
    text = FILES[file_index].read_text(encoding="utf-8", errors="replace")
    uri = f"untitled:fuzz-{counter['n']}.py" if counter["n"] % 2 else (Path("/tmp") / f"fuzz-{counter['n']}.py").as_uri()
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}})
    lines = text.split("\n")
    pending = []
    version = 1
    for i, (fl, fc, delete, insert) in enumerate(edits):
        line = min(int(fl * len(lines)), len(lines) - 1)
        col = min(int(fc * (len(lines[line]) + 1)), len(lines[line]))
        end_col = min(col + delete, len(lines[line]))
        version += 1
        rng = {"start": {"line": line, "character": _utf16(lines[line][:col])},
               "end": {"line": line, "character": _utf16(lines[line][:end_col])}}
        server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                 "contentChanges": [{"range": rng, "text": insert}]})
        new = lines[line][:col] + insert + lines[line][end_col:]
        lines[line:line + 1] = new.split("\n")
        if i % 15 == 0:
            pos = {"line": line, "character": 0}
            pending.append(server.request_async("textDocument/hover", {"textDocument": {"uri": uri}, "position": pos}))
            pending.append(server.request_async("textDocument/codeAction", {
                "textDocument": {"uri": uri}, "range": {"start": pos, "end": pos},
                "context": {"diagnostics": [], "triggerKind": 2}}))
    for rid in pending:
        resp = server.wait_response(rid, timeout=60)
        assert "error" not in resp, resp
    final = server.wait_notification("textDocument/publishDiagnostics",
                                      lambda p: p["uri"] == uri and p.get("version") == version, timeout=60)
    for d in final["diagnostics"]:
        assert 0 <= d["range"]["start"]["line"] < len(lines)
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
