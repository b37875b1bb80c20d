"""A minimal JSON-RPC client over a subprocess's stdio: what an editor does, byte for byte.

Used where pytest-lsp's typed client would hide protocol details (the LSP4IJ replay test, the
fuzz test's "no unanswered request" check). Server-to-client requests are answered with
`responders[method](params)` (default: null).
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from typing import Any, Callable


class RawClient:
    def __init__(self, argv: list[str], env: dict[str, str] | None = None, cwd: str | None = None):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env, cwd=cwd)
        self._next = 0
        self._lock = threading.Lock()
        self.responses: dict[Any, dict] = {}
        self._response_cv = threading.Condition()
        self.notifications: "queue.Queue[dict]" = queue.Queue()
        self.received: list[dict] = []
        self.server_requests: list[dict] = []
        self.responders: dict[str, Callable[[Any], Any]] = {}
        self.stderr_lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # ------------------------------------------------------------ wire
    def _send(self, msg: dict) -> None:
        body = json.dumps(msg).encode("utf-8")
        with self._lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length is None:
                continue
            msg = json.loads(out.read(length))
            self.received.append(msg)
            if "method" in msg and "id" in msg:  # a request from the server
                self.server_requests.append(msg)
                fn = self.responders.get(msg["method"])
                result = fn(msg.get("params")) if fn else None
                self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
            elif "method" in msg:
                self.notifications.put(msg)
            else:
                with self._response_cv:
                    self.responses[msg.get("id")] = msg
                    self._response_cv.notify_all()

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self.stderr_lines.append(line.decode("utf-8", "replace"))

    # ------------------------------------------------------------ API
    def request_async(self, method: str, params: Any = None) -> int:
        self._next += 1
        rid = self._next
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return rid

    def wait_response(self, rid: int, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        with self._response_cv:
            while rid not in self.responses:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no response to request {rid} within {timeout} s")
                self._response_cv.wait(left)
            return self.responses.pop(rid)

    def request(self, method: str, params: Any = None, timeout: float = 10.0) -> Any:
        resp = self.wait_response(self.request_async(method, params), timeout)
        if "error" in resp:
            raise RuntimeError(f"{method} failed: {resp['error']}")
        return resp.get("result")

    def notify(self, method: str, params: Any = None) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_notification(self, method: str, predicate: Callable[[dict], bool] = lambda p: True,
                          timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {method} notification within {timeout} s")
            try:
                msg = self.notifications.get(timeout=left)
            except queue.Empty:
                continue
            if msg["method"] == method and predicate(msg.get("params")):
                return msg["params"]

    def shutdown(self, timeout: float = 10.0) -> int:
        self.request("shutdown", None, timeout)
        self.notify("exit", None)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
