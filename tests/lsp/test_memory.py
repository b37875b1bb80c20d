"""Issue 21 item 10: a long edit session does not grow the language server's memory.

The real server runs in this process over pipes; tracemalloc compares what is allocated (and
still alive) after a warm-up with what is alive after 200 more edits and hovers.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import tracemalloc

from msdev.lsp.server import create_server

from .conftest import FIXTURES, ROOT


class PipeClient:
    def __init__(self):
        r_in, w_in = os.pipe()
        r_out, w_out = os.pipe()
        self.server = create_server(db_dir=str(ROOT / "mapping_db"), debounce=0.0, diagnostic_mode="push")
        threading.Thread(target=self.server.start_io, args=(os.fdopen(r_in, "rb"), os.fdopen(w_out, "wb")),
                         daemon=True).start()
        self._out = os.fdopen(r_out, "rb")
        self._in = os.fdopen(w_in, "wb")
        self._lock = threading.Lock()
        self.last_version = 0
        self.cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            length = None
            while True:
                line = self._out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            msg = json.loads(self._out.read(length))
            if msg.get("method") == "textDocument/publishDiagnostics":
                with self.cv:
                    self.last_version = msg["params"].get("version") or 0
                    self.cv.notify_all()
            elif "method" in msg and "id" in msg:
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": [None]})

    def close(self):
        """Shut the server down and close its input: pygls reads that pipe in a thread of the event
        loop's default executor, which the interpreter joins at exit, so an open pipe hangs pytest."""
        try:
            self.send({"jsonrpc": "2.0", "id": 0, "method": "shutdown"})
            self.send({"jsonrpc": "2.0", "method": "exit"})
        finally:
            self._in.close()

    def send(self, msg):
        body = json.dumps(msg).encode()
        with self._lock:
            self._in.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self._in.flush()


def test_memory_plateaus_over_many_edits():
    c = PipeClient()
    try:
        check_memory_plateaus(c)
    finally:
        c.close()


def check_memory_plateaus(c):
    c.send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"processId": None, "rootUri": None, "capabilities": {}}})
    c.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    uri = "file:///tmp/memory.py"
    c.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": (FIXTURES / "sample.py").read_text()}}})
    version = 1

    def edits(n):
        nonlocal version
        for _ in range(n):
            version += 1
            c.send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}},
                                    "text": "i"}]}})
            c.send({"jsonrpc": "2.0", "id": 10 + version, "method": "textDocument/hover",
                    "params": {"textDocument": {"uri": uri}, "position": {"line": 15, "character": 33}}})
            with c.cv:
                assert c.cv.wait_for(lambda: c.last_version == version, timeout=60)

    edits(60)
    gc.collect()
    tracemalloc.start(1)
    try:
        before = tracemalloc.take_snapshot()
        edits(200)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    keep = [tracemalloc.Filter(False, __file__), tracemalloc.Filter(False, tracemalloc.__file__)]
    grown = sum(s.size_diff for s in after.filter_traces(keep).compare_to(before.filter_traces(keep), "filename"))
    assert len(c.server.protocol._request_futures) < 5  # was one per didChange, kept forever
    assert grown < 250 * 1024, f"{grown / 1024:.0f} KiB more after 200 edits"  # was ~500 KiB
