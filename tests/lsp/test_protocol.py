"""Protocol robustness of the real server process, and the pure parts (settings, line maps)."""

from __future__ import annotations

import sys
from pathlib import Path

from msdev.findings import Confidence, Finding, Kind, Status
from msdev.lsp.documents import LineMap, split_lines
from msdev.lsp.settings import Settings, parse_settings

from .conftest import TEST_DB, VSCODE, fixture_payload
from .rawclient import RawClient


def _start(tmp_path: Path) -> RawClient:
    client = RawClient([sys.executable, "-m", "msdev", "lsp", "--db", str(TEST_DB)])
    client.responders["workspace/configuration"] = lambda p: [None]
    client.request("initialize", fixture_payload(VSCODE, tmp_path), timeout=30)
    client.notify("initialized", {})
    return client


def test_every_request_is_answered(tmp_path: Path):
    client = _start(tmp_path)
    try:
        # params that do not fit the method's type: pygls alone would never answer
        resp = client.wait_response(client.request_async("textDocument/hover", {"textDocument": 5}))
        assert resp["error"]["code"] == -32602
        # an unknown method, a command with bad arguments, a document that is not open
        assert "error" in client.wait_response(client.request_async("msdev/nothing", {}))
        assert "error" in client.wait_response(client.request_async(
            "workspace/executeCommand", {"command": "msdev.convertFile", "arguments": [7]}))
        assert client.request("textDocument/hover", {"textDocument": {"uri": "file:///nope.py"},
                                                     "position": {"line": 0, "character": 0}}) is None
        # still serving
        assert client.request("workspace/executeCommand", {"command": "msdev.searchApi", "arguments": ["cat"]})
        client.request("shutdown", None)
        after = client.wait_response(client.request_async("textDocument/hover", {
            "textDocument": {"uri": "file:///x.py"}, "position": {"line": 0, "character": 0}}))
        assert after["error"]["code"] == -32600
        client.notify("exit", None)
        assert client.proc.wait(10) == 0
    finally:
        client.kill()


def test_exit_without_shutdown_is_code_1(tmp_path: Path):
    client = _start(tmp_path)
    try:
        client.notify("exit", None)
        assert client.proc.wait(10) == 1
    finally:
        client.kill()


def test_help_documents_stdio_and_tcp():
    import subprocess
    out = subprocess.run([sys.executable, "-m", "msdev", "lsp", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "--tcp HOST:PORT" in out.stdout and "stdin/stdout" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "msdev", "lsp", "--tcp", "nohost"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "HOST:PORT" in bad.stderr


def _finding(api: str, status: Status, kind: Kind = Kind.CALL, conf: Confidence = Confidence.CERTAIN) -> Finding:
    return Finding(1, 0, 1, 3, api, kind, conf, status)


def test_settings_parse_and_filter():
    s, warnings = parse_settings({"msdev": {"profile": "ascend", "severity": {"manual": "error", "identical": "off",
                                                                              "bogus": "hint", "partial": "loud"},
                                            "ignore": ["torch.cuda", "torch.Tensor.*", 3],
                                            "showLikelyTensorMethods": False}})
    assert s.profile == "ascend"
    assert s.severity_of(Status.MANUAL) == 1 and s.severity_of(Status.IDENTICAL) is None
    assert s.severity["partial"] == "warning"  # bad value kept the default
    assert len(warnings) == 3
    assert not s.shows(_finding("torch.cuda.is_available", Status.UNSUPPORTED))
    assert not s.shows(_finding("torch.Tensor.view", Status.ARG_DIFF))
    assert not s.shows(_finding("torch.zeros", Status.IDENTICAL))
    assert s.shows(_finding("torch.cudax", Status.UNSUPPORTED))
    likely = Settings(show_likely_tensor_methods=False)
    assert not likely.shows(_finding("torch.x.size", Status.MANUAL, Kind.TENSOR_METHOD, Confidence.LIKELY))
    assert likely.shows(_finding("torch.x.size", Status.MANUAL, Kind.TENSOR_METHOD, Confidence.CERTAIN))
    assert parse_settings(None)[0] == Settings()
    assert parse_settings("junk")[0] == Settings()


def test_line_map():
    old = split_lines("a\nb\nc\nd\ne")
    new = split_lines("a\nb\nX\nY\nd\ne")
    lm = LineMap.between(old, new)
    assert [lm.map(i) for i in range(5)] == [0, 1, None, 4, 5]
    assert split_lines("a\r\nb\rc\n") == ["a", "b", "c", ""]
    assert LineMap.between(old, list(old)).map(4) == 4
