"""Rule selection in the editor: `[tool.msdev]` of the workspace, `select`/`ignore` by rule code in
the settings, and the quick fix that adds `# msdev: ignore[MSxxx]` to a line."""

from __future__ import annotations

import os
import sys

from .conftest import TEST_DB
from .rawclient import RawClient

SOURCE = "import torch\nx = torch.zeros(3)\ny = torch.flatten(x)\n"
CAPS = {"workspace": {"configuration": True, "didChangeConfiguration": {"dynamicRegistration": False}},
        "textDocument": {"publishDiagnostics": {}, "synchronization": {}, "codeAction": {}}}


def _start(tmp_path, init_options=None) -> RawClient:
    client = RawClient([sys.executable, "-m", "msdev", "lsp", "--db", str(TEST_DB), "--debounce-ms", "10"])
    client.responders["workspace/configuration"] = lambda p: [None for _ in p["items"]]
    params = {"processId": os.getpid(), "rootUri": tmp_path.as_uri(), "capabilities": CAPS,
              "workspaceFolders": [{"uri": tmp_path.as_uri(), "name": "ws"}]}
    if init_options is not None:
        params["initializationOptions"] = init_options
    client.result = client.request("initialize", params, timeout=60)
    client.notify("initialized", {})
    return client


def _open(client, uri: str, text: str, version: int = 1):
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": version,
                                                            "text": text}})
    return client.wait_notification("textDocument/publishDiagnostics", lambda p: p["uri"] == uri, 20)


def _codes(diags) -> dict[str, str]:
    return {d["data"]["api"]: d["code"] for d in diags["diagnostics"]}


def test_pyproject_and_settings_select_rules_by_code(tmp_path):
    client = _start(tmp_path)
    try:
        uri = (tmp_path / "a.py").as_uri()
        shown = _codes(_open(client, uri, SOURCE))
        assert "torch.zeros" in shown and "torch.flatten" in shown
        zeros_code = shown["torch.zeros"]
        client.notify("workspace/didChangeConfiguration", {"settings": {"msdev": {"ignore": [zeros_code]}}})
        diags = client.wait_notification("textDocument/publishDiagnostics",
                                         lambda p: p["uri"] == uri and "torch.zeros" not in _codes(p), 20)
        assert all(code != zeros_code for code in _codes(diags).values())
        assert client.shutdown() == 0
    finally:
        client.kill()
    (tmp_path / "pyproject.toml").write_text(f'[tool.msdev]\nignore = ["{zeros_code}"]\n')
    client = _start(tmp_path)
    try:
        shown = _codes(_open(client, uri, SOURCE))
        assert "torch.zeros" not in shown and all(code != zeros_code for code in shown.values())
        assert client.shutdown() == 0
    finally:
        client.kill()


def test_quick_fix_adds_an_ignore_comment_that_silences_the_line(tmp_path):
    client = _start(tmp_path)
    try:
        uri = (tmp_path / "a.py").as_uri()
        diags = _open(client, uri, SOURCE)
        flatten = next(d for d in diags["diagnostics"] if d["data"]["api"] == "torch.flatten")
        actions = client.request("textDocument/codeAction", {
            "textDocument": {"uri": uri}, "range": flatten["range"], "context": {"diagnostics": [flatten]}})
        [ignore] = [a for a in actions if a["title"] == f"msdev: ignore {flatten['code']} on this line"]
        [change] = ignore["edit"]["documentChanges"]
        assert change["textDocument"]["uri"] == uri
        [edit] = change["edits"]
        assert edit["newText"] == f"y = torch.flatten(x)  # msdev: ignore[{flatten['code']}]"
        lines = SOURCE.splitlines(keepends=True)
        lines[2] = edit["newText"] + "\n"
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                 "contentChanges": [{"text": "".join(lines)}]})
        diags = client.wait_notification("textDocument/publishDiagnostics",
                                         lambda p: p["uri"] == uri and p.get("version") == 2, 20)
        assert "torch.flatten" not in _codes(diags) and "torch.zeros" in _codes(diags)
        assert client.shutdown() == 0
    finally:
        client.kill()
