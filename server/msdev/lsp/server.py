"""`msdev lsp`: the pygls server that turns findings into editor features.

Threading: the asyncio loop owns all state and answers every request from it. The finder runs
on one worker thread, fed by a per-document debounce timer: a change cancels the pending timer,
a result for a superseded version is dropped, and a queued job for an outdated version is
skipped before it starts, so typing never builds a queue. Hover and code actions never wait:
they read the last analysis placed onto the current text (see documents.py).

Diagnostics: pull (textDocument/diagnostic) when the client supports it, else push; never both
for the same document, since clients keep the two apart and would show every finding twice.
Notebook cells are always pushed (VS Code does not pull for cells).
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import time
import traceback
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.uris import to_fs_path

from .. import __version__
from ..db.loader import Database, DatabaseError, load_database
from . import code_actions, commands, hover as hover_mod
from .analysis import Origin, Outcome, analyse
from .code_actions import CONVERT_KIND, FIX_ALL_KIND
from .diagnostics import diagnostics_for, lsp_range, server_column
from .documents import PlacedIndex, split_lines
from .textsync import SpecWorkspace
from .notebooks import NOTEBOOK_SYNC, code_cells
from .settings import SECTION, Settings, looks_like_settings, parse_settings, unwrap

log = logging.getLogger("msdev.lsp")

DEBOUNCE_SECONDS = 0.1
#: the shortest quiet period after a keystroke before analysis starts
MIN_QUIET = 0.04
#: how long a pull request waits for a pending analysis before answering with what is known
PULL_WAIT_SECONDS = 10.0



class MsdevProtocol(LanguageServerProtocol):
    """pygls' protocol, made to answer every request.

    pygls drops requests whose params do not deserialize and requests after `shutdown`
    without a reply; a client then waits forever. Both get an error response here.
    """

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except Exception:
            if isinstance(data, dict) and "id" in data and "method" in data:
                self._send_response(data["id"], None, JsonRpcInvalidParams(
                    f"invalid params for {data['method']}").to_response_error())
                return {"_answered": True}
            raise

    def _handle_notification(self, method_name, params):
        """pygls files the future of a generator-based notification handler (didOpen, didChange,
        …) under a fresh uuid in its table of request futures and never removes it: ~700 bytes
        per keystroke, for the life of the server. Each is removed once done (swept here, never
        from a callback: pygls iterates the table on shutdown, cancelling)."""
        futures = self._request_futures
        before = len(futures)
        super()._handle_notification(method_name, params)
        pending = self.__dict__.setdefault("_notification_futures", [])
        if len(futures) > before:
            pending.extend(list(futures)[before:])  # dicts keep insertion order: the new ones are last
        still = []
        for key in pending:
            future = futures.get(key)
            if future is not None and future.done():
                del futures[key]
            elif future is not None:
                still.append(key)
        pending[:] = still

    def handle_message(self, message):
        if isinstance(message, dict):  # already answered above
            return
        if self._shutdown and getattr(message, "method", None) not in (None, types.EXIT) and hasattr(message, "id") \
                and getattr(message, "method", None):
            self._send_response(message.id, None, JsonRpcInvalidRequest(
                "the server is shutting down").to_response_error())
            return
        return super().handle_message(message)


class Unit:
    """A text document or a notebook: what is analysed in one go."""

    __slots__ = ("key", "notebook", "stamp", "done_stamp", "timer", "running", "waiters", "broken", "cost")

    def __init__(self, key: str, notebook: bool):
        self.key = key
        self.notebook = notebook
        self.stamp = 0  # bumped on every change of the unit's text (or of the profile)
        self.done_stamp = -1  # the stamp of the last finished analysis
        self.timer: asyncio.TimerHandle | None = None
        self.running = False
        self.waiters: list[asyncio.Future] = []
        self.broken: set[str] = set()
        self.cost = 0.0  # recent analysis time (s), moving average

    def start_delay(self, debounce: float) -> float:
        """When to start analysing after a change so results land by the debounce deadline.

        The quiet period never drops below MIN_QUIET (keystrokes still coalesce); the analysis
        runs inside the debounce window instead of after it.
        """
        if debounce <= 0:
            return 0.0
        return max(min(MIN_QUIET, debounce), debounce - 1.2 * self.cost)

    @property
    def fresh(self) -> bool:
        return self.done_stamp == self.stamp


class MsdevServer(LanguageServer):
    def __init__(self, db: Database | None = None, db_dir: str | None = None, debounce: float = DEBOUNCE_SECONDS,
                 diagnostic_mode: str = "auto"):
        super().__init__("msdev", __version__, protocol_cls=MsdevProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         notebook_document_sync=NOTEBOOK_SYNC)
        self.db = db
        self.db_dir = db_dir
        self.debounce = debounce
        self.diagnostic_mode = diagnostic_mode
        self.pull = False
        self.settings = Settings()
        self.project_config = None  # the workspace's [tool.msdev] (project_config.ProjectConfig)
        self.init_settings: Any = None  # initializationOptions: the settings of clients without a section
        self.settings_gen = 0
        self.units: dict[str, Unit] = {}  # text document uri or notebook uri → unit
        self.unit_of_doc: dict[str, str] = {}  # document (or cell) uri → unit key
        self.origins: dict[str, Origin] = {}  # document (or cell) uri → the analysis it shows
        self.errors: dict[str, str] = {}  # document uri → why its current text is not analysed
        self._index_cache: dict[str, tuple[Any, PlacedIndex]] = {}
        self._lines_cache: dict[str, tuple[int | None, str, list[str]]] = {}
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="msdev-analysis")
        self.command_executor = ThreadPoolExecutor(1, thread_name_prefix="msdev-command")
        self.root: str | None = None

    # ------------------------------------------------------------------ database
    def load_db(self) -> Database:
        """The database with the workspace's overlay; when that fails its check, the user is
        told (window/showMessage, `file:line: problem`) and the server goes on without it."""
        overlay = self.root if self.root and os.path.isdir(self.root) else None
        try:
            return load_database(self.db_dir, overlay_root=overlay)
        except DatabaseError as exc:
            problem = exc
        fallback = "the database without the project's msdev_mappings.yaml" if overlay else "the shipped database"
        message = f"msdev: the mapping database cannot be used; using {fallback} instead.\n{problem}"
        log.error("%s", message)
        self.window_show_message(types.ShowMessageParams(types.MessageType.Error, message))
        try:
            return load_database(self.db_dir if overlay else None)
        except DatabaseError as exc:  # even that fails: serve, with nothing to find
            log.error("msdev: no usable mapping database: %s", exc)
            return Database(entries={}, version="none", directory=Path("."))

    # ------------------------------------------------------------------ documents
    def text_of(self, uri: str) -> str | None:
        doc = self.workspace.text_documents.get(uri)
        return None if doc is None else doc.source

    def lines_of(self, uri: str) -> tuple[int | None, list[str]] | None:
        """Current (version, lines) of an open document, cached per version."""
        doc = self.workspace.text_documents.get(uri)
        if doc is None:
            return None
        source = doc.source
        cached = self._lines_cache.get(uri)
        if cached is not None and cached[0] == doc.version and cached[1] is source:
            return cached[0], cached[2]
        lines = split_lines(source)
        self._lines_cache[uri] = (doc.version, source, lines)
        return doc.version, lines

    def version_of(self, uri: str) -> int | None:
        doc = self.workspace.text_documents.get(uri)
        return None if doc is None else doc.version

    def index_of(self, uri: str) -> PlacedIndex:
        """The findings placed in a document's current text (cached per version and analysis)."""
        origin = self.origins.get(uri)
        if origin is None:
            return PlacedIndex()
        version = self.version_of(uri)
        key = (id(origin), version, self.text_of(uri) is not None)
        cached = self._index_cache.get(uri)
        if cached is not None and cached[0] == key:
            return cached[1]
        index = PlacedIndex.build(origin.placed(uri))
        self._index_cache[uri] = (key, index)
        return index

    def path_of(self, uri: str) -> str:
        path = to_fs_path(uri) if uri.startswith("file:") else None
        return path or uri

    # ------------------------------------------------------------------ analysis
    def unit_parts(self, unit: Unit) -> list[tuple[str, list[str]]]:
        if not unit.notebook:
            current = self.lines_of(unit.key)
            return [] if current is None else [(unit.key, current[1])]
        nb = self.workspace.get_notebook_document(notebook_uri=unit.key)
        if nb is None:
            return []
        parts = []
        for cell_uri in code_cells(nb, lambda u: getattr(self.workspace.text_documents.get(u), "language_id", None)):
            current = self.lines_of(cell_uri)
            if current is not None:
                parts.append((cell_uri, current[1]))
        return parts

    def touch(self, unit: Unit, delay: float) -> None:
        """The unit changed: analyse it after `delay` (restarting the debounce)."""
        unit.stamp += 1
        if unit.timer is not None:
            unit.timer.cancel()
        loop = asyncio.get_running_loop()
        unit.timer = loop.call_later(delay, self._start, unit)

    def _start(self, unit: Unit) -> None:
        unit.timer = None
        if self.units.get(unit.key) is not unit:
            return
        if unit.running:  # the running job's result will be stale; start again when it ends
            return
        parts = self.unit_parts(unit)
        stamp = unit.stamp
        profile = self.settings.profile
        path = self.path_of(unit.key)
        unit.running = True
        loop = asyncio.get_running_loop()

        def job() -> Outcome | None:
            if unit.stamp != stamp:  # superseded while queued
                return None
            t0 = time.perf_counter()
            out = analyse(parts, self.db, profile, path, notebook=unit.notebook)
            spent = time.perf_counter() - t0
            unit.cost = spent if unit.cost == 0 else 0.7 * unit.cost + 0.3 * spent
            return out

        fut = loop.run_in_executor(self.executor, job)
        fut.add_done_callback(lambda f: self._finished(unit, stamp, parts, f))

    def _finished(self, unit: Unit, stamp: int, parts, fut) -> None:
        unit.running = False
        if self.units.get(unit.key) is not unit:
            return
        try:
            outcome = fut.result()
        except Exception:
            log.error("analysis of %s failed:\n%s", unit.key, traceback.format_exc())
            outcome = Outcome(None, None, [], {uri for uri, _ in parts}, "internal error while analysing")
        if unit.stamp != stamp or outcome is None:
            if unit.timer is None:  # a change arrived while running and its timer already fired
                self._start(unit)
            return
        unit.done_stamp = stamp
        unit.broken = outcome.broken
        if outcome.snapshot is not None:
            origin = Origin(outcome.snapshot, outcome.segments, outcome.tree, self.lines_of, outcome.verdicts)
            for seg in outcome.segments:
                if seg.uri not in outcome.broken:
                    self.origins[seg.uri] = origin
        for uri, _ in parts:
            if uri in outcome.broken:
                self.errors[uri] = outcome.error or "does not parse"
            else:
                self.errors.pop(uri, None)
        waiters, unit.waiters = unit.waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)
        self.publish_unit(unit, [uri for uri, _ in parts])
        if outcome.verdicts is not None:
            self.executor.submit(self._verdicts, unit, stamp, outcome.verdicts)

    @staticmethod
    def _verdicts(unit: Unit, stamp: int, verdicts) -> None:
        """After the diagnostics: the verdicts, unless a newer change makes them moot (a code
        action on this analysis then computes them itself)."""
        if unit.stamp == stamp:
            try:
                verdicts.ensure()
            except Exception:
                log.error("verdicts of %s failed:\n%s", unit.key, traceback.format_exc())

    # ------------------------------------------------------------------ publishing
    def diagnostics(self, uri: str) -> list[dict[str, Any]]:
        current = self.lines_of(uri)
        if current is None:
            return []
        return diagnostics_for(self.index_of(uri).items, self.settings, self.workspace.position_codec, current[1])

    def publish(self, uri: str) -> None:
        params = {"uri": uri, "diagnostics": self.diagnostics(uri)}
        version = self.version_of(uri)
        if version is not None:
            params["version"] = version
        self.protocol._send_data({"jsonrpc": "2.0", "method": types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                                  "params": params})

    def publish_unit(self, unit: Unit, uris: list[str]) -> None:
        if self.pull and not unit.notebook:
            return  # the client pulls
        for uri in uris:
            self.publish(uri)

    def clear(self, uri: str) -> None:
        self.protocol._send_data({"jsonrpc": "2.0", "method": types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                                  "params": {"uri": uri, "diagnostics": []}})

    def republish_all(self) -> None:
        """Settings that only change presentation: publish again (or ask pull clients to pull)."""
        self._index_cache.clear()
        for unit in list(self.units.values()):
            if unit.fresh:
                uris = [u for u, k in self.unit_of_doc.items() if k == unit.key]
                self.publish_unit(unit, uris)
        if self.pull and self._client_supports_refresh():
            self.protocol.send_request(types.WORKSPACE_DIAGNOSTIC_REFRESH, None)

    def _client_supports_refresh(self) -> bool:
        caps = self.client_capabilities
        ws = caps.workspace
        return bool(ws and ws.diagnostics and ws.diagnostics.refresh_support)

    # ------------------------------------------------------------------ settings
    def read_project_config(self):
        """The workspace's `[tool.msdev]` (None without a workspace or a usable one: logged)."""
        from ..project_config import ConfigError, config_for

        if not self.root:
            return None
        try:
            config = config_for(self.root)
        except ConfigError as exc:
            log.warning("%s", exc)
            return None
        self.project_config = config
        if config.path is not None:
            log.info("project settings from %s", config.path)
            self.apply_settings(None, str(config.path))
        return config

    def apply_settings(self, raw: Any, origin: str) -> None:
        settings, warnings = parse_settings(raw, project=self.project_config)
        for w in warnings:
            log.warning("%s (from %s)", w, origin)
            self.window_log_message(types.LogMessageParams(types.MessageType.Warning, w))
        if settings == self.settings:
            return
        profile_changed = settings.profile != self.settings.profile
        self.settings = settings
        self.settings_gen += 1
        log.info("settings from %s: %s", origin, json.dumps(settings.to_dict()))
        if profile_changed:
            for unit in self.units.values():
                self.touch(unit, 0)
            if self.pull and self._client_supports_refresh():
                self.protocol.send_request(types.WORKSPACE_DIAGNOSTIC_REFRESH, None)
        else:
            self.republish_all()

    async def pull_configuration(self) -> None:
        caps = self.client_capabilities
        if not (caps.workspace and caps.workspace.configuration):
            return
        try:
            result = await self.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)]))
        except Exception as exc:  # a client that errors here keeps the settings we have
            log.warning("workspace/configuration failed: %s", exc)
            return
        log.debug("workspace/configuration answered %r", result)
        value = result[0] if isinstance(result, (list, tuple)) and result else None
        if value is None and self.init_settings is not None:
            # the client keeps no `msdev` section (Neovim 0.7 answers null): its settings are the
            # initializationOptions, which a null answer must not reset to the defaults
            value = self.init_settings
        self.apply_settings(value, "workspace/configuration")


def create_server(db: Database | None = None, db_dir: str | None = None, debounce: float = DEBOUNCE_SECONDS,
                  diagnostic_mode: str = "auto") -> MsdevServer:
    """A server with every feature registered (the CLI and the tests start the same one)."""
    server = MsdevServer(db, db_dir, debounce, diagnostic_mode)
    ls = server

    def _position(uri: str, pos: types.Position) -> tuple[list[str], int, int] | None:
        current = ls.lines_of(uri)
        if current is None:
            return None
        lines = current[1]
        if not 0 <= pos.line < len(lines):
            return None
        return lines, pos.line, server_column(ls.workspace.position_codec, lines, pos.line, pos.character)

    @server.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams) -> None:
        folders = params.workspace_folders or []
        root_uri = folders[0].uri if folders else params.root_uri
        if root_uri is None and params.root_path:
            ls.root = params.root_path
        elif root_uri and root_uri.startswith("file:"):
            ls.root = to_fs_path(root_uri)
        ls.project_config = ls.read_project_config()
        # pygls' documents split lines with str.splitlines(): replace them before any didOpen
        ls.protocol._workspace = SpecWorkspace.like(ls.workspace)
        if ls.db is None:
            ls.db = ls.load_db()
        gc.freeze()  # the database is long-lived: keep it out of every later collection
        caps = params.capabilities
        supports_pull = bool(caps.text_document and caps.text_document.diagnostic is not None)
        # pull only where the client can be told to pull again after a settings change (Neovim
        # 0.11 pulls but has no workspace/diagnostic/refresh: it would keep stale diagnostics)
        ls.pull = ls.diagnostic_mode == "pull" or (ls.diagnostic_mode == "auto" and supports_pull
                                                  and ls._client_supports_refresh())
        if ls.pull:
            ls.protocol.fm.feature_options[types.TEXT_DOCUMENT_DIAGNOSTIC] = types.DiagnosticOptions(
                identifier="msdev", inter_file_dependencies=False, workspace_diagnostics=False)
        else:
            ls.protocol.fm.features.pop(types.TEXT_DOCUMENT_DIAGNOSTIC, None)
        init = params.initialization_options
        if init is not None:
            ls.init_settings = unwrap(init)
            ls.apply_settings(init, "initializationOptions")
        log.info("msdev %s: database %s (%d entries), diagnostics by %s", __version__, ls.db.version, len(ls.db),
                 "pull" if ls.pull else "push")

    @server.feature(types.INITIALIZED)
    async def initialized(params: types.InitializedParams) -> None:
        await ls.pull_configuration()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(params: types.DidChangeConfigurationParams) -> None:
        raw = params.settings
        if isinstance(raw, dict) and (isinstance(raw.get(SECTION), dict) or looks_like_settings(raw)):
            ls.apply_settings(unwrap(raw), "workspace/didChangeConfiguration")
            return
        await ls.pull_configuration()  # VS Code sends null settings: ask for the section

    # ---------------------------------------------------------------- text documents
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        if ls.workspace.get_notebook_document(cell_uri=uri) is not None:
            return  # cells come through notebookDocument/didOpen
        unit = ls.units.get(uri) or Unit(uri, notebook=False)
        ls.units[uri] = unit
        ls.unit_of_doc[uri] = uri
        ls.touch(unit, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        key = ls.unit_of_doc.get(params.text_document.uri)
        unit = ls.units.get(key) if key else None
        if unit is not None:
            ls.touch(unit, unit.start_delay(ls.debounce))

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        unit = ls.units.pop(uri, None)
        if unit is not None:
            _drop(unit, [uri])

    def _drop(unit: Unit, uris: list[str]) -> None:
        if unit.timer is not None:
            unit.timer.cancel()
        for w in unit.waiters:
            if not w.done():
                w.set_result(None)
        for uri in uris:
            ls.unit_of_doc.pop(uri, None)
            ls.origins.pop(uri, None)
            ls.errors.pop(uri, None)
            ls._index_cache.pop(uri, None)
            ls._lines_cache.pop(uri, None)
            if not ls.pull or unit.notebook:
                ls.clear(uri)

    # ---------------------------------------------------------------- notebooks
    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def nb_open(params: types.DidOpenNotebookDocumentParams) -> None:
        key = params.notebook_document.uri
        unit = Unit(key, notebook=True)
        ls.units[key] = unit
        for cell in params.cell_text_documents:
            ls.unit_of_doc[cell.uri] = key
        ls.touch(unit, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def nb_change(params: types.DidChangeNotebookDocumentParams) -> None:
        key = params.notebook_document.uri
        unit = ls.units.get(key)
        if unit is None:
            return
        cells = params.change.cells
        closed: list[str] = []
        if cells and cells.structure:
            for doc in cells.structure.did_open or []:
                ls.unit_of_doc[doc.uri] = key
            closed = [d.uri for d in cells.structure.did_close or []]
        if closed:
            _drop_cells(unit, closed)
        ls.touch(unit, unit.start_delay(ls.debounce) if cells and cells.text_content and not closed else 0)

    def _drop_cells(unit: Unit, uris: list[str]) -> None:
        for uri in uris:
            ls.unit_of_doc.pop(uri, None)
            ls.origins.pop(uri, None)
            ls.errors.pop(uri, None)
            ls._index_cache.pop(uri, None)
            ls._lines_cache.pop(uri, None)
            ls.clear(uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def nb_close(params: types.DidCloseNotebookDocumentParams) -> None:
        key = params.notebook_document.uri
        unit = ls.units.pop(key, None)
        if unit is not None:
            _drop(unit, [c.uri for c in params.cell_text_documents])

    # ---------------------------------------------------------------- pull diagnostics
    @server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC)
    async def document_diagnostic(params: types.DocumentDiagnosticParams):
        uri = params.text_document.uri
        key = ls.unit_of_doc.get(uri)
        unit = ls.units.get(key) if key else None
        if unit is not None and not unit.fresh:
            waiter = asyncio.get_running_loop().create_future()
            unit.waiters.append(waiter)
            try:
                await asyncio.wait_for(asyncio.shield(waiter), PULL_WAIT_SECONDS)
            except asyncio.TimeoutError:
                log.warning("analysis of %s took longer than %.0f s; answering with older results", uri, PULL_WAIT_SECONDS)
        result_id = f"{ls.version_of(uri)}:{unit.done_stamp if unit else -1}:{ls.settings_gen}:{id(ls.origins.get(uri))}"
        if params.previous_result_id == result_id:
            return {"kind": "unchanged", "resultId": result_id}
        return {"kind": "full", "resultId": result_id, "items": ls.diagnostics(uri)}

    # ---------------------------------------------------------------- hover
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(params: types.HoverParams):
        uri = params.text_document.uri
        where = _position(uri, params.position)
        if where is None:
            return None
        lines, line, col = where
        hits = ls.index_of(uri).at(line, col)
        codec = ls.workspace.position_codec
        if hits:
            p = hits[0]
            f = p.finding
            text = (hover_mod.pattern_markdown(f) if f.pattern
                    else hover_mod.entry_markdown(f.entry, ls.settings.profile) if f.entry is not None
                    else hover_mod.unknown_markdown(f.torch_api))
            rng = lsp_range(codec, lines, p.line, p.column, p.end_line, p.end_column)
        else:
            found = hover_mod.import_api_at(lines[line], col, ls.db)
            if found is None:
                return None
            api, start, end = found
            text = hover_mod.api_markdown(api, ls.db, ls.settings.profile)
            rng = lsp_range(codec, lines, line, start, line, end)
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
                           range=_range(rng))

    # ---------------------------------------------------------------- code actions
    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND, CONVERT_KIND],
        resolve_provider=True))
    def code_action(params: types.CodeActionParams):
        return code_actions.actions(ls, params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    def code_action_resolve(action: types.CodeAction):
        return code_actions.resolve(ls, action)

    # ---------------------------------------------------------------- commands
    @server.command(commands.SCAN_WORKSPACE)
    async def scan_workspace(*args):
        return await commands.scan_workspace(ls, list(args))

    @server.command(commands.SEARCH_API)
    def search_api(*args):
        return commands.search_api(ls, list(args))

    @server.command(commands.CONVERT_FILE)
    async def convert_file(*args):
        return await commands.convert_file(ls, list(args))

    @server.feature(types.SHUTDOWN)
    def shutdown(params: None) -> None:
        for unit in list(ls.units.values()):  # the event loop may still open or close documents
            if unit.timer is not None:
                unit.timer.cancel()
        ls.executor.shutdown(wait=False, cancel_futures=True)
        ls.command_executor.shutdown(wait=False, cancel_futures=True)

    return server


def _range(rng: dict[str, Any]) -> types.Range:
    return types.Range(start=types.Position(**rng["start"]), end=types.Position(**rng["end"]))
