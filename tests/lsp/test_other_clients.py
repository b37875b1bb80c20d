"""Issue 21 item 11: settings and diagnostics with clients other than VS Code.

Neovim 0.7 passes settings only as `initializationOptions` and answers workspace/configuration
with null for sections it does not know; Neovim 0.11 can pull diagnostics but cannot be asked to
pull again (no workspace/diagnostic/refresh), so after a settings change it would keep stale ones.
"""

from __future__ import annotations

import os
import sys

import pytest

from .conftest import TEST_DB
from .rawclient import RawClient

SOURCE = "import torch\nx = torch.zeros(3)\ny = torch.flatten(x)\n"


def _start(tmp_path, capabilities, init_options=None) -> RawClient:
    client = RawClient([sys.executable, "-m", "msdev", "lsp", "--db", str(TEST_DB), "--debounce-ms", "10"])
    client.responders["workspace/configuration"] = lambda p: [None for _ in p["items"]]  # Neovim: vim.NIL
    params = {"processId": os.getpid(), "rootUri": tmp_path.as_uri(), "capabilities": capabilities,
              "workspaceFolders": [{"uri": tmp_path.as_uri(), "name": "ws"}]}
    if init_options is not None:
        params["initializationOptions"] = init_options
    client.result = client.request("initialize", params, timeout=60)
    client.notify("initialized", {})
    return client


NVIM_07 = {"workspace": {"configuration": True, "didChangeConfiguration": {"dynamicRegistration": False}},
           "textDocument": {"publishDiagnostics": {"relatedInformation": True}, "synchronization": {}}}
NVIM_011 = {"workspace": {"configuration": True, "didChangeConfiguration": {"dynamicRegistration": False}},
            "textDocument": {"diagnostic": {"dynamicRegistration": False}, "publishDiagnostics": {},
                             "synchronization": {}}}


def _apis(diags) -> set[str]:
    return {d["data"]["api"] for d in diags["diagnostics"]}


def test_initialization_options_survive_a_null_configuration_answer(tmp_path):
    client = _start(tmp_path, NVIM_07, init_options={"ignore": ["torch.zeros"]})
    try:
        client.notify("workspace/didChangeConfiguration", {"settings": {}})  # nvim-lspconfig's default
        uri = (tmp_path / "a.py").as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": SOURCE}})
        diags = client.wait_notification("textDocument/publishDiagnostics", lambda p: p["uri"] == uri, 20)
        assert "torch.flatten" in _apis(diags) and "torch.zeros" not in _apis(diags)
        # settings sent later through didChangeConfiguration still apply
        client.notify("workspace/didChangeConfiguration", {"settings": {"msdev": {"ignore": ["torch.flatten"]}}})
        diags = client.wait_notification("textDocument/publishDiagnostics",
                                         lambda p: p["uri"] == uri and "torch.zeros" in _apis(p), 20)
        assert "torch.flatten" not in _apis(diags)
        assert client.shutdown() == 0
    finally:
        client.kill()


def test_pull_client_without_refresh_gets_pushed_diagnostics(tmp_path):
    client = _start(tmp_path, NVIM_011)
    try:
        assert "diagnosticProvider" not in client.result["capabilities"]
        uri = (tmp_path / "a.py").as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": SOURCE}})
        diags = client.wait_notification("textDocument/publishDiagnostics", lambda p: p["uri"] == uri, 20)
        assert "torch.zeros" in _apis(diags)
        client.notify("workspace/didChangeConfiguration", {"settings": {"msdev": {"ignore": ["torch.zeros"]}}})
        diags = client.wait_notification("textDocument/publishDiagnostics",
                                         lambda p: p["uri"] == uri and "torch.zeros" not in _apis(p), 20)
        assert "torch.flatten" in _apis(diags)
        assert client.shutdown() == 0
    finally:
        client.kill()


@pytest.mark.parametrize("refresh", [True])
def test_pull_client_with_refresh_still_pulls(tmp_path, refresh):
    caps = {**NVIM_011, "workspace": {**NVIM_011["workspace"], "diagnostics": {"refreshSupport": refresh}}}
    client = _start(tmp_path, caps)
    try:
        assert "diagnosticProvider" in client.result["capabilities"]
        assert client.shutdown() == 0
    finally:
        client.kill()
