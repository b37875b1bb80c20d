"""workspace/executeCommand: scan the workspace, search the mapping database, convert a file.

Long-running commands run on their own worker thread so diagnostics keep flowing meanwhile.
Bad arguments are answered with an InvalidParams error carrying a one-line reason.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams
from pygls.uris import from_fs_path, to_fs_path

if TYPE_CHECKING:  # pragma: no cover
    from .server import MsdevServer

SCAN_WORKSPACE = "msdev.scanWorkspace"
SEARCH_API = "msdev.searchApi"
CONVERT_FILE = "msdev.convertFile"
REPORT_FORMATS = ("html", "json", "sarif", "csv", "text", "md", "markdown")


def _bad(message: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(message)


# ---------------------------------------------------------------------- scan
async def scan_workspace(ls: "MsdevServer", args: list[Any]) -> dict[str, Any]:
    opts = args[0] if args else {}
    if opts is None:
        opts = {}
    if not isinstance(opts, dict):
        raise _bad("msdev.scanWorkspace takes one object argument: {root, format, output}")
    root = opts.get("root") or ls.root
    if not root:
        raise _bad("msdev.scanWorkspace: no root given and the workspace has no folder")
    if isinstance(root, str) and root.startswith("file:"):
        root = to_fs_path(root)
    if not os.path.isdir(root):
        raise _bad(f"msdev.scanWorkspace: {root} is not a folder")
    fmt = opts.get("format") or "html"
    if fmt not in REPORT_FORMATS:
        raise _bad(f"msdev.scanWorkspace: unknown format {fmt!r} ({', '.join(REPORT_FORMATS)})")
    ext = {"markdown": "md", "text": "txt"}.get(fmt, fmt)
    output = opts.get("output") or os.path.join(root, f"msdev-report.{ext}")
    if output.startswith("file:"):
        output = to_fs_path(output)
    profile = opts.get("profile") or ls.settings.profile

    def run() -> dict[str, Any]:
        from ..scanning import run_scan, write_report

        result = run_scan([root], ls.db, profile=profile, root=root)
        write_report(result, fmt, output)
        s = result.summary
        return {
            "summary": {"files": s.files, "uses": s.uses, "by_status": dict(s.by_status),
                        "readiness": None if s.readiness is None else round(s.readiness, 4)},
            "report": os.path.abspath(output),
        }

    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(ls.command_executor, run)
    except (JsonRpcInvalidParams, JsonRpcInternalError):
        raise
    except OSError as exc:
        raise JsonRpcInternalError(f"msdev.scanWorkspace: cannot write {output}: {exc.strerror or exc}") from None
    except Exception as exc:
        raise JsonRpcInternalError(f"msdev.scanWorkspace failed: {type(exc).__name__}: {exc}") from None


# ---------------------------------------------------------------------- search
def search_api(ls: "MsdevServer", args: list[Any]) -> list[dict[str, Any]]:
    if not args or not isinstance(args[0], str):
        raise _bad("msdev.searchApi takes one string argument: the API (or part of it) to look for")
    query = args[0]
    limit = args[1] if len(args) > 1 and isinstance(args[1], int) and args[1] > 0 else 50
    profile = ls.settings.profile
    try:
        from ..db.search import search
        rows = [r["api"] for r in search(ls.db, query, limit)]
    except ImportError:  # pragma: no cover - the search module ships with msdev
        needle = query.strip().lower()
        rows = [api for api in ls.db.entries if needle and needle in api.lower()][:limit]
    out = []
    for api in rows:
        entry = ls.db.entries[api]
        target = entry.target(profile)
        out.append({"torch_api": api, "mindspore_api": target.api, "status": str(target.status),
                    "summary": entry.summary, "note_url": entry.doc_url})
    return out


# ---------------------------------------------------------------------- convert
def target_path(source: Path) -> Path:
    """`name_ms.py` beside the source; `name_ms_1.py`, … when taken. Never the source itself."""
    stem, suffix = source.stem, source.suffix or ".py"
    candidate = source.with_name(f"{stem}_ms{suffix}")
    n = 1
    while candidate.exists() or candidate == source:
        candidate = source.with_name(f"{stem}_ms_{n}{suffix}")
        n += 1
    return candidate


def _write_new(path: Path, text: str) -> Path:
    """Create `path` exclusively (another file appearing meanwhile moves us to the next name)."""
    for _ in range(1000):
        try:
            with open(path, "x", encoding="utf-8", newline="") as fh:
                fh.write(text)
            return path
        except FileExistsError:
            path = _next_free(path)
    raise OSError(f"no free file name beside {path}")


def _next_free(path: Path) -> Path:
    stem = path.stem
    base, _, num = stem.rpartition("_ms_")
    if base and num.isdigit():
        return path.with_name(f"{base}_ms_{int(num) + 1}{path.suffix}")
    if stem.endswith("_ms"):
        return path.with_name(f"{stem}_1{path.suffix}")
    return path.with_name(f"{stem}_ms{path.suffix}")


async def convert_file(ls: "MsdevServer", args: list[Any]) -> dict[str, Any]:
    if not args or not isinstance(args[0], str):
        raise _bad("msdev.convertFile takes a document URI and optionally {\"write\": true}")
    uri = args[0]
    opts = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
    write = bool(opts.get("write"))
    from ..analysis.engine import SourceError, read_source
    from .code_actions import _rewrite_api

    text = ls.text_of(uri)
    path = to_fs_path(uri) if uri.startswith("file:") else None
    if text is None:
        if path is None:
            raise _bad(f"msdev.convertFile: {uri} is not open and not a file on disk")
        try:
            text = read_source(path)
        except SourceError as exc:
            raise _bad(f"msdev.convertFile: {path}: {exc}") from None
    if write and path is None:
        raise _bad("msdev.convertFile: only a file on disk can be converted beside itself; save it first")
    _, convert_text = _rewrite_api()
    profile = ls.settings.profile

    def run():
        return convert_text(text, ls.db, profile, path or uri)

    loop = asyncio.get_running_loop()
    try:
        conversion = await loop.run_in_executor(ls.command_executor, run)
    except SourceError as exc:
        raise _bad(f"msdev.convertFile: {path or uri}: {exc}") from None
    target_uri = None
    if path is not None:
        target = target_path(Path(path))
        if write:
            try:
                target = _write_new(target, conversion.text)
            except OSError as exc:
                raise JsonRpcInternalError(f"msdev.convertFile: cannot write {target}: {exc.strerror or exc}") from None
            caps = ls.client_capabilities.window
            if caps and caps.show_document and caps.show_document.support:
                from lsprotocol import types
                ls.protocol.send_request(types.WINDOW_SHOW_DOCUMENT,
                                         types.ShowDocumentParams(uri=from_fs_path(str(target)), take_focus=True))
        target_uri = from_fs_path(str(target))
    return {"text": conversion.text, "target_uri": target_uri, "converted": conversion.converted,
            "unconverted": conversion.unconverted, "written": bool(write and target_uri)}
