"""Shared pieces of the language-server tests: the real initialize payloads, a recording client."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, make_test_lsp_client

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "lsp"
#: initialize payloads recorded from the real clients (VS Code + vscode-languageclient, LSP4IJ)
INITIALIZE_PAYLOADS = FIXTURES / "initialize"
TEST_DB = FIXTURES / "mapping_db"
VSCODE = "vscode-1.139.1-languageclient-9.0.1-initialize.json"
LSP4IJ = "lsp4ij-0.20.1-initialize.json"


def fixture_payload(name: str, root: Path, init_options: Any = None) -> dict[str, Any]:
    """A recorded initialize payload with this test's workspace filled in."""
    raw = json.loads((INITIALIZE_PAYLOADS / name).read_text(encoding="utf-8"))
    params = {k: copy.deepcopy(v) for k, v in raw.items() if not k.startswith("_")}
    params["processId"] = os.getpid()
    params["rootUri"] = root.as_uri()
    params["rootPath"] = str(root)
    params["workspaceFolders"] = [{"uri": root.as_uri(), "name": root.name}]
    if init_options is not None:
        params["initializationOptions"] = init_options
    return params


def server_command(*extra: str) -> list[str]:
    return [sys.executable, "-m", "msdev", "lsp", "--db", str(TEST_DB), *extra]


class Recorder:
    """Every notification the client receives, with a way to wait for one that matches."""

    def __init__(self, client: LanguageClient):
        self.items: list[tuple[str, Any]] = []
        self._changed = asyncio.Event()
        original = client.protocol._handle_notification

        def handle(method_name, params):
            self.items.append((method_name, params))
            self._changed.set()
            return original(method_name, params)

        client.protocol._handle_notification = handle

    async def wait(self, method: str, predicate=lambda p: True, timeout: float = 10.0, start: int = 0):
        """The first notification from index `start` on that matches."""
        deadline = asyncio.get_running_loop().time() + timeout
        seen = start
        while True:
            for i in range(seen, len(self.items)):
                m, p = self.items[i]
                if m == method and predicate(p):
                    return p
            seen = len(self.items)
            self._changed.clear()
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError(f"no matching {method} within {timeout} s")
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def diagnostics(self, uri: str, version: int | None = None, timeout: float = 10.0, start: int = 0):
        params = await self.wait(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                                 lambda p: p.uri == uri and (version is None or p.version == version), timeout, start)
        return params.diagnostics


def make_client() -> LanguageClient:
    client = make_test_lsp_client()
    client.recorder = Recorder(client)  # type: ignore[attr-defined]
    return client


def config(*extra: str) -> ClientServerConfig:
    return ClientServerConfig(server_command=server_command(*extra), client_factory=make_client)


def structure(client: LanguageClient, params: dict[str, Any]) -> types.InitializeParams:
    return client.protocol._converter.structure(params, types.InitializeParams)


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits (UTF-16 columns) to a text, the way an editor does."""
    lines = text.split("\n")

    def offset(pos: types.Position) -> int:
        base = sum(len(line) + 1 for line in lines[:pos.line])
        line = lines[pos.line] if pos.line < len(lines) else ""
        units = 0
        for i, ch in enumerate(line):
            if units >= pos.character:
                return base + i
            units += 2 if ord(ch) > 0xFFFF else 1
        return base + len(line)

    # from the end; inserts at one position keep the array's order in the text, as the LSP specifies
    spans = sorted(((offset(e.range.start), offset(e.range.end), i, e.new_text) for i, e in enumerate(edits)),
                   reverse=True)
    for start, end, _, new in spans:
        text = text[:start] + new + text[end:]
    return text


@pytest.fixture
def sample_text() -> str:
    return (FIXTURES / "sample.py").read_text(encoding="utf-8")
