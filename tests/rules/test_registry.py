"""The rule registry is the only place a rule's severity, level and label are defined, and every
surface (editor, SARIF, HTML, `msdev rule`, docs/rules/, the VS Code settings) says what it says."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from msdev.findings import PATTERN_RULES, RULES, Confidence, Finding, Kind, Status
from msdev.rules import BY_STATUS, FIX_KINDS, REGISTRY, SEVERITIES, rule_of
from msdev.rules.docs import expected_pages, rule_markdown
from msdev.rules.editor_settings import PACKAGE_JSON, SETTINGS_TS, package_json_text, settings_ts_text

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "server" / "msdev"

#: words that name a severity or a SARIF level
LEVEL_WORDS = {"error", "warning", "information", "info", "hint", "note", "off", "none"}
STATUS_WORDS = {str(s) for s in Status}


def msdev(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "msdev", *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)


def test_every_record_is_complete():
    for code, r in REGISTRY.items():
        assert code == r.code and r.code.startswith("MS")
        assert r.severity in SEVERITIES and r.fix in FIX_KINDS and r.status in STATUS_WORDS
        for text in (r.name, r.summary, r.label, r.detects, r.why, r.before, r.after, r.fix_detail):
            assert text.strip(), f"{code}: empty field"
        assert r.official.startswith("https://www.mindspore.cn/")
    assert set(BY_STATUS) == STATUS_WORDS  # one rule per status


def test_findings_rules_come_from_the_registry():
    assert {r.code for r in RULES.values()} | set(PATTERN_RULES) == set(REGISTRY)
    for status, r in RULES.items():
        assert (r.code, r.name, r.description) == (BY_STATUS[status].code, BY_STATUS[status].name,
                                                   BY_STATUS[status].summary)


def test_rule_all_lists_every_code():
    proc = msdev("rule", "--all")
    assert proc.returncode == 0, proc.stderr
    listed = [line.split()[0] for line in proc.stdout.splitlines()]
    assert listed == list(REGISTRY)


def test_rule_prints_its_documentation():
    proc = msdev("rule", "ms103")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == rule_markdown(REGISTRY["MS103"])
    assert "## Why it matters in MindSpore" in proc.stdout and "padding_mode" in proc.stdout


@pytest.mark.parametrize("args", [("rule", "MS999"), ("rule",), ("rule", "MS103", "--all")])
def test_rule_bad_input_is_a_usage_error(args):
    proc = msdev(*args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("msdev: error:")


def test_docs_rules_are_generated_from_the_registry():
    folder = ROOT / "docs" / "rules"
    expected = expected_pages()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")}
    assert on_disk == expected, "docs/rules/ is stale: run `python -m msdev.rules.docs`"


def test_vscode_settings_defaults_equal_the_registry():
    pkg = (ROOT / PACKAGE_JSON).read_text(encoding="utf-8")
    ts = (ROOT / SETTINGS_TS).read_text(encoding="utf-8")
    assert pkg == package_json_text(pkg), "run `python -m msdev.rules.editor_settings`"
    assert ts == settings_ts_text(ts), "run `python -m msdev.rules.editor_settings`"
    props = json.loads(pkg)["contributes"]["configuration"]["properties"]
    for status, r in BY_STATUS.items():
        assert props[f"msdev.severity.{status}"]["default"] == r.severity
    # msdev.select accepts every code of the registry and its prefixes, and settings.ts checks the same
    pattern = re.compile(props["msdev.select"]["items"]["pattern"])
    assert all(pattern.match(code) and pattern.match(code[:3]) for code in REGISTRY)
    assert not pattern.match("torch.cat")
    assert "export const RULE_CODE = /^MS[0-9]*$/;" in ts


def _finding(status: Status, pattern: str | None = None) -> Finding:
    return Finding(1, 0, 1, 5, "torch.x", Kind.CALL, Confidence.CERTAIN, status, None, None, "torch.x: m",
                   pattern=pattern)


def test_editor_severity_and_link_follow_the_rule():
    from lsprotocol import types
    from pygls.workspace.position_codec import PositionCodec

    from msdev.lsp.diagnostics import to_diagnostic
    from msdev.lsp.documents import Placed
    from msdev.lsp.settings import DEFAULT_SEVERITY, SEVERITY_NAMES, Settings

    assert DEFAULT_SEVERITY == {s: r.severity for s, r in BY_STATUS.items()}
    settings = Settings()
    codec = PositionCodec(types.PositionEncodingKind.Utf16)
    for code, r in REGISTRY.items():
        f = _finding(Status(r.status), code if r.statement_level else None)
        assert rule_of(f) is r
        d = to_diagnostic(Placed(f, None, None, "file:///x.py", 0, 0), settings, codec, ["torch.x"])
        assert d["code"] == code
        assert d["severity"] == int(SEVERITY_NAMES[r.severity])
        assert d["codeDescription"]["href"] == r.official


def test_sarif_rules_and_levels_follow_the_registry():
    from msdev.report.sarif import _rules

    rules = _rules()
    assert sorted(r["id"] for r in rules) == sorted(REGISTRY)
    for r in rules:
        spec = REGISTRY[r["id"]]
        assert r["defaultConfiguration"]["level"] == spec.sarif_level
        assert r["helpUri"] == spec.official
        assert r["help"]["markdown"] == rule_markdown(spec)


def test_html_labels_are_the_rule_labels():
    from msdev.report.html import STATUS_LABEL

    assert {str(s): label for s, label in STATUS_LABEL.items()} == {s: r.label for s, r in BY_STATUS.items()}


# ------------------------------------------------------------------ no table outside the registry
def _keys_name_rules(keys: list[ast.AST]) -> bool:
    """Dict keys that are statuses (Status.X or "arg-diff") or rule codes ("MS103")."""
    def is_rule_key(k):
        if isinstance(k, ast.Attribute) and isinstance(k.value, ast.Name) and k.value.id == "Status":
            return True
        return isinstance(k, ast.Constant) and isinstance(k.value, str) and (
            k.value in STATUS_WORDS or (k.value.startswith("MS") and k.value[2:].isdigit()))
    return len(keys) >= 2 and all(k is not None and is_rule_key(k) for k in keys)


def _is_colour(value: str) -> bool:
    return value.startswith("#") or value in {"red", "green", "yellow", "cyan", "magenta", "blue", "white", "dim"}


def rule_tables(tree: ast.AST) -> list[int]:
    """Lines of dict literals keyed by status or rule code whose values are severities, levels or
    labels (colours are presentation, not a rule's property)."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Dict) or not _keys_name_rules(node.keys):
            continue
        words = [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        if words and not all(_is_colour(w) for w in words):
            lines.append(node.lineno)
    return lines


def test_the_checker_catches_a_surface_table():
    tree = ast.parse('LEVEL = {Status.PARTIAL: "warning", Status.MANUAL: "error"}\n'
                     'LABEL = {"arg-diff": "arguments differ", "partial": "partly"}\n'
                     'COLOUR = {Status.PARTIAL: "yellow", Status.MANUAL: "#fff"}\n')
    assert rule_tables(tree) == [1, 2]


def test_no_surface_defines_severity_level_or_label_outside_the_registry():
    offenders = []
    for path in sorted(SERVER.rglob("*.py")):
        if path.is_relative_to(SERVER / "rules"):
            continue
        for line in rule_tables(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert not offenders, f"rule tables outside msdev.rules: {offenders}"
