"""Code actions: a quick fix per diagnostic, fix-all for the file, "Convert file to MindSpore".

Edits are computed on the text the finder analysed (the origin) by the rewrite engine, then
carried into the editor's current text through the origin's line maps; an action whose edits
would touch lines edited since that analysis is not offered (it would corrupt them).

When the client can resolve actions (VS Code, LSP4IJ), the list is built without edits and each
edit is computed on `codeAction/resolve`, so asking for actions at the cursor stays cheap.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ..findings import Applicability, Finding, Status, TextEdit
from .diagnostics import client_column, lsp_range, server_column, to_diagnostic
from .documents import Placed

if TYPE_CHECKING:  # pragma: no cover
    from .server import MsdevServer

log = logging.getLogger("msdev.lsp")

QUICKFIX = types.CodeActionKind.QuickFix.value
FIX_ALL_KIND = "source.fixAll.msdev"
CONVERT_KIND = "source.convertToMindSpore.msdev"


def _rewrite_api():
    """The rewrite engine (imported lazily: the server starts before anyone asks for a fix)."""
    try:
        from ..rewrite import convert_text, quick_fix  # type: ignore[attr-defined]
    except ImportError:
        from ..rewrite.convert import convert_text, quick_fix
    return quick_fix, convert_text


def _wanted(only: list[str] | None, kind: str) -> bool:
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


def _supports_resolve(ls: "MsdevServer") -> bool:
    td = ls.client_capabilities.text_document
    ca = td.code_action if td else None
    rs = ca.resolve_support if ca else None
    return bool(rs and "edit" in (rs.properties or []))


def _supports_disabled(ls: "MsdevServer") -> bool:
    td = ls.client_capabilities.text_document
    ca = td.code_action if td else None
    return bool(ca and ca.disabled_support)


# ---------------------------------------------------------------------- edits
def map_edits(ls: "MsdevServer", placed_origin, locate, edits: list[TextEdit]) -> types.WorkspaceEdit | None:
    """Origin-coordinate TextEdits → a WorkspaceEdit on the current documents (None if stale)."""
    codec = ls.workspace.position_codec
    per_doc: dict[str, list[types.TextEdit]] = {}
    for e in edits:
        start = locate(e.start.line - 1)
        end = locate(e.end.line - 1)
        if start is None or end is None or start[0] != end[0] or end[1] - start[1] != e.end.line - e.start.line:
            return None
        uri = start[0]
        current = ls.lines_of(uri)
        if current is None:
            return None
        lines = current[1]
        s_line, e_line = start[1], end[1]
        s_text = lines[s_line] if s_line < len(lines) else None
        e_text = lines[e_line] if e_line < len(lines) else None
        rng = types.Range(
            start=types.Position(line=s_line, character=client_column(codec, s_text, e.start.column)),
            end=types.Position(line=e_line, character=client_column(codec, e_text, e.end.column)))
        per_doc.setdefault(uri, []).append(types.TextEdit(range=rng, new_text=e.new_text))
    changes = []
    for uri, text_edits in per_doc.items():
        changes.append(types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=ls.version_of(uri)),
            edits=text_edits))
    return types.WorkspaceEdit(document_changes=changes)


def _fix_edit(ls: "MsdevServer", p: Placed) -> tuple[types.WorkspaceEdit | None, Any]:
    quick_fix, _ = _rewrite_api()
    origin = ls.origins.get(p.uri)
    tree = origin.tree if origin is not None and origin.snapshot is p.origin else None
    try:
        fix = quick_fix(p.origin.text, p.finding, ls.db, ls.settings.profile, tree=tree)
    except Exception:
        log.exception("quick fix for %s failed", p.finding.torch_api)
        return None, None
    if fix is None or not fix.edits:
        return None, fix
    return map_edits(ls, p.origin, p.locate, fix.edits), fix


def _find(ls: "MsdevServer", uri: str, line: int, column: int, api: str) -> Placed | None:
    for p in ls.index_of(uri).by_line.get(line, ()):
        if p.column == column and p.finding.torch_api == api:
            return p
    return None


# ---------------------------------------------------------------------- actions
def offers_fix(f: Finding) -> bool:
    """Whether a quick fix is offered: only where the rewriter's verdict has a fix (what
    `msdev convert` converts); a finding analysed without a verdict falls back to its status."""
    if f.verdict is not None:
        return f.verdict.fixable
    return bool(f.pattern) or f.automatic or f.status == Status.PARTIAL


def actions(ls: "MsdevServer", params: types.CodeActionParams) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    current = ls.lines_of(uri)
    if current is None:
        return None
    _, lines = current
    codec = ls.workspace.position_codec
    only = params.context.only
    only = [str(getattr(k, "value", k)) for k in only] if only else None
    lazy = _supports_resolve(ls)
    out: list[types.CodeAction] = []

    if _wanted(only, QUICKFIX):
        origin = ls.origins.get(uri)
        if origin is not None:
            origin.ensure_verdicts()  # which uses have a fix: the rewriter's verdicts
        r = params.range
        start = (r.start.line, server_column(codec, lines, r.start.line, r.start.character))
        end = (r.end.line, server_column(codec, lines, r.end.line, r.end.character))
        silenced: set[tuple[int, str]] = set()
        ignores: list[types.CodeAction] = []  # offered after the fixes, as linters do
        for p in ls.index_of(uri).overlapping(start, end):
            f = p.finding
            if not ls.settings.shows(f):
                continue
            diag = to_diagnostic(p, ls.settings, codec, lines)
            key = (p.line, f.rule.code)
            if key not in silenced:  # one "ignore" action per rule and line
                silenced.add(key)
                ignore = suppression_action(uri, ls.version_of(uri), codec, lines, p.line, f.rule.code, diag)
                if ignore is not None:
                    ignores.append(ignore)
            if f.entry is None and not f.pattern:
                continue
            if f.pattern:  # statement-level rule: its fix is offered whenever one exists
                title = f"msdev: {f.rule.name}: {f.explanation}"
            else:
                target = f.entry.target(ls.settings.profile)
                title = f"msdev: replace {f.torch_api} with {target.api}" if target.api else None
            if title is None or not offers_fix(f):
                continue
            action = types.CodeAction(title=title, kind=QUICKFIX,
                                      diagnostics=[_diag_obj(diag)] if diag else None)
            data = {"uri": uri, "version": ls.version_of(uri), "line": p.line, "column": p.column,
                    "api": f.torch_api, "action": "quickfix"}
            if lazy:
                action.data = data
                action.is_preferred = True if f.verdict is not None and f.verdict.applicability == Applicability.SAFE \
                    else None
            else:
                edit, fix = _fix_edit(ls, p)
                if edit is None:
                    continue
                action.title = "msdev: " + fix.title
                action.edit = edit
                action.is_preferred = True if fix.safe else None
            out.append(action)
        out.extend(ignores)

    has_findings = bool(ls.index_of(uri).items)
    if has_findings and _wanted(only, FIX_ALL_KIND):
        action = types.CodeAction(title="msdev: convert every PyTorch use in this file to MindSpore",
                                  kind=FIX_ALL_KIND)
        data = {"uri": uri, "version": ls.version_of(uri), "action": "fixAll"}
        if lazy:
            action.data = data
        else:
            edit, reason = fix_all_edit(ls, uri)
            if edit is None:
                if _supports_disabled(ls):
                    action.disabled = types.CodeActionDisabled(reason=reason)
                else:
                    action = None
                    if only:  # asked for by kind (a key binding, on save): it must not fail silently
                        tell_not_applied(ls, uri, reason)
            else:
                action.edit = edit
        if action is not None:
            out.append(action)
    if has_findings and _wanted(only, CONVERT_KIND) and uri.startswith("file:") \
            and ls.workspace.get_notebook_document(cell_uri=uri) is None:
        out.append(types.CodeAction(
            title="msdev: convert file to MindSpore (new file beside this one)", kind=CONVERT_KIND,
            command=types.Command(title="Convert file to MindSpore", command="msdev.convertFile",
                                  arguments=[uri, {"write": True}])))
    return out


def suppression_action(uri: str, version: int | None, codec, lines: list[str], line: int, code: str,
                       diag) -> types.CodeAction | None:
    """"Ignore MS103 on this line": adds the rule to the line's `# msdev: ignore[...]` comment."""
    from ..rules.suppression import with_suppression

    if not 0 <= line < len(lines):
        return None
    text = lines[line].rstrip("\r\n")
    new = with_suppression(text, code)
    if new == text:
        return None
    end = client_column(codec, text, len(text))
    edit = types.TextEdit(range=types.Range(start=types.Position(line, 0), end=types.Position(line, end)),
                          new_text=new)
    return types.CodeAction(title=f"msdev: ignore {code} on this line", kind=QUICKFIX,
                            diagnostics=[_diag_obj(diag)] if diag else None,
                            edit=types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
                                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                                edits=[edit])]))


def fix_all_edit(ls: "MsdevServer", uri: str) -> tuple[types.WorkspaceEdit | None, str]:
    """The whole-file conversion as minimal edits on the current text (None + reason if stale).
    Only safe fixes of the selected rules: an unsafe one changes behaviour and stays a quick fix
    of its own (the conversion runs once to learn each use's verdict, then with the safe ones)."""
    _, convert_text = _rewrite_api()
    origin = ls.origins.get(uri)
    if origin is None:
        return None, "the file has not been analysed yet"
    snap = origin.snapshot
    try:
        settings = ls.settings
        trial = convert_text(snap.text, ls.db, settings.profile, snap.path)
        left = {(o.finding.line, o.finding.column, o.finding.torch_api) for o in trial.outcomes
                if (o.converted and not o.safe) or not settings.shows(o.finding)}
        conversion = trial if not left else convert_text(
            snap.text, ls.db, settings.profile, snap.path, keep=lambda f: (f.line, f.column, f.torch_api) not in left)
    except Exception as exc:
        log.exception("conversion of %s failed", uri)
        return None, f"conversion failed: {exc}"
    if not conversion.edits:
        return None, "nothing to convert"
    edit = map_edits(ls, snap, origin.locate, conversion.edits)
    if edit is None:
        return None, "the file changed where msdev would edit it; fix the syntax error or wait a moment"
    return edit, ""


def tell_not_applied(ls: "MsdevServer", uri: str, reason: str) -> None:
    """Fix-all that cannot apply says why in the editor, not only in the server log."""
    log.info("fix-all for %s not applied: %s", uri, reason)
    if reason == "nothing to convert":
        return
    name = uri.rsplit("/", 1)[-1]
    ls.window_show_message(types.ShowMessageParams(
        types.MessageType.Warning, f"msdev: fix-all was not applied to {name}: {reason}"))


def resolve(ls: "MsdevServer", action: types.CodeAction) -> types.CodeAction:
    data = action.data if isinstance(action.data, dict) else None
    if not data or action.edit is not None:
        return action
    uri = data.get("uri")
    if data.get("action") == "fixAll":
        edit, reason = fix_all_edit(ls, uri)
        if edit is not None:
            action.edit = edit
        else:
            tell_not_applied(ls, uri, reason)
        return action
    if data.get("action") == "quickfix":
        p = _find(ls, uri, int(data.get("line", -1)), int(data.get("column", -1)), str(data.get("api")))
        if p is None:
            return action
        edit, fix = _fix_edit(ls, p)
        if edit is not None:
            action.edit = edit
            action.title = "msdev: " + fix.title
            action.is_preferred = True if fix.safe else None
    return action


def _diag_obj(d: dict[str, Any]) -> types.Diagnostic:
    r = d["range"]
    return types.Diagnostic(
        range=types.Range(start=types.Position(**r["start"]), end=types.Position(**r["end"])),
        message=d["message"], severity=types.DiagnosticSeverity(d["severity"]), code=d["code"],
        source=d["source"], data=d.get("data"),
        code_description=types.CodeDescription(href=d["codeDescription"]["href"]) if "codeDescription" in d else None)


__all__ = ["actions", "offers_fix", "resolve", "fix_all_edit", "map_edits", "lsp_range"]
