"""Report formats: golden JSON and text, the JSON Schema, SARIF 2.1.0 (official schema), CSV, HTML."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

from msdev.findings import PATTERN_RULES
from msdev.report import ReportError, write_report
from msdev.report.json_report import SCHEMA_PATH, report_dict
from msdev.report.sarif import sarif_dict
from msdev.scanning import run_scan

from .conftest import FIXTURES, GOLDEN

UPDATE = os.environ.get("MSDEV_UPDATE_GOLDEN") == "1"
FINDING_LINE = re.compile(r"^\S+\.py:\d+:\d+: [A-Z-]+ ")
SARIF_SCHEMA = FIXTURES / "sarif-2.1.0-rtm.5.json"


@pytest.fixture
def result(project, db):
    return run_scan([project], db, jobs=1, use_cache=False)


def render(result, fmt: str) -> str:
    buf = io.StringIO()
    write_report(result, fmt, buf)
    return buf.getvalue()


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------- json
def test_json_matches_golden(result):
    data = report_dict(result)
    assert data["root"] == result.root.as_posix()
    assert data["scanned"] == [result.root.as_posix()]  # the scanned folder, whatever the cwd
    data["root"] = "<ROOT>"
    data["scanned"] = ["<ROOT>"]
    data["msdev_version"] = "<VERSION>"
    check_golden("report.json", json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def test_json_validates_against_the_shipped_schema(result, tmp_path):
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(render(result, "json"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["schema_version"] == "1.2"
    verification = {a["torch_api"]: a["verification"] for a in data["summary"]["apis"]}
    assert verification["torch.zeros"] == "verified on MindSpore 2.10 CPU"
    assert verification["torch.cat"].startswith("fails on CPU: wrong-value")
    assert verification["torch.Tensor.view"] == "not verified"
    assert len(data["files"]) == 5 and {"path", "lines", "findings"} <= set(data["files"][0])


def test_json_lists_errors_and_still_validates(tmp_path, db):
    (tmp_path / "broken.py").write_text("class (:\n")
    (tmp_path / "ok.py").write_text("import torch\ntorch.zeros(1)\n")
    data = json.loads(render(run_scan([tmp_path], db, jobs=1, use_cache=False), "json"))
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text())).validate(data)
    broken = next(f for f in data["files"] if f["path"] == "broken.py")
    assert broken["error"].startswith("syntax error") and broken["findings"] == []
    assert "error" not in next(f for f in data["files"] if f["path"] == "ok.py")


def test_schema_doc_names_every_field(result):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "report-schema.md").read_text()
    data = report_dict(result)
    fields = set(data) | set(data["summary"]) | set(data["files"][1]["findings"][0]) | set(data["summary"]["apis"][0])
    missing = [f for f in fields if f"`{f}`" not in doc]
    assert not missing, f"docs/report-schema.md does not document {missing}"


# ---------------------------------------------------------------------- text
def test_text_is_one_compiler_style_line_per_finding_then_the_summary(result):
    text = render(result, "text")
    check_golden("report.txt", text.replace(str(result.root), "<ROOT>"))
    lines = text.splitlines()
    findings = [line for line in lines if FINDING_LINE.match(line)]
    assert len(findings) == 15 and lines[:15] == findings
    # the message (API, target, what differs), the rule, the note
    assert "pkg/model.py:15:13: ARG-DIFF torch.cat → mindspore.ops.cat: 1 argument differs (dim) [MS103] " \
           "(https://www.mindspore.cn/docs/en/master/note/api_mapping/pytorch_diff/cat.html)" in lines
    # a statement rule names its code once, in the message, and says what the use becomes
    assert ("pkg/model.py:13:12: ARG-DIFF torch.cuda.is_available (MS204 device-placement): "
            "becomes mindspore.get_context('device_target') == 'GPU'") in lines
    # the summary a terminal shows, as plain tables, naming the scanned folder
    assert f"msdev scan of {result.root}: 5 files, 41 lines, 15 PyTorch uses" in text
    assert "Uses by status" in lines and "Migration readiness: 86.7% of uses convert automatically (13 of 15)" in lines
    assert "Top unsupported APIs" in lines and any(line.startswith("torch.cuda.synchronize ") for line in lines)


def test_text_without_pytorch_says_there_is_nothing_to_migrate(tmp_path, db):
    (tmp_path / "plain.py").write_text("x = 1\n")
    text = render(run_scan([tmp_path], db, jobs=1, use_cache=False), "text")
    assert "Migration readiness: no PyTorch use found, nothing to migrate" in text
    assert "n/a" not in text and "of uses convert" not in text


# ---------------------------------------------------------------------- sarif
def test_sarif_validates_against_the_official_2_1_0_schema(result):
    doc = json.loads(render(result, "sarif"))
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(doc)
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json" and doc["version"] == "2.1.0"


def test_sarif_rules_results_regions_and_fingerprints(result):
    run = sarif_dict(result)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules][:8] == ["MS100", "MS101", "MS102", "MS103", "MS104", "MS105", "MS107", "MS106"]
    assert [r["id"] for r in rules][8:] == list(PATTERN_RULES)  # statement-level rules follow
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    assert all(r["helpUri"].startswith("https://www.mindspore.cn/") for r in rules)
    assert len(run["results"]) == 15
    cat = next(r for r in run["results"] if r["properties"]["torch_api"] == "torch.cat")
    assert cat["ruleId"] == "MS103" and rules[cat["ruleIndex"]]["id"] == "MS103"
    assert cat["level"] == "note"
    loc = cat["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "pkg/model.py", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 15, "startColumn": 13, "endLine": 15, "endColumn": 22}
    assert cat["properties"]["note_url"].endswith("/pytorch_diff/cat.html")
    unsupported = [r for r in run["results"] if r["ruleId"] == "MS106"]
    assert {r["level"] for r in unsupported} == {"error"} and len(unsupported) == 1
    # each result says what convert does with the use: the rewriter's verdict
    assert cat["properties"]["fix"] in ("safe", "unsafe")
    assert unsupported[0]["properties"]["fix"] == "none" and unsupported[0]["properties"]["not_fixed_because"]
    fingerprints = [r["partialFingerprints"]["msdevFinding/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == result.root.as_uri() + "/"
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_fixes_are_the_editors_quick_fixes_of_fixable_results(project, db, tmp_path):
    from msdev.analysis.engine import find_in_text
    from msdev.rewrite import quick_fix

    def fixes(run):
        return {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                 r["locations"][0]["physicalLocation"]["region"]["startLine"], r["properties"]["torch_api"]):
                r.get("fixes") for r in run["results"]}

    run = sarif_dict(run_scan([project], db, jobs=1, use_cache=False))["runs"][0]
    for res in run["results"]:  # a fix only where the verdict says the use converts
        assert "fixes" not in res or res["properties"]["fix"] != "none", res["properties"]
    unchanged = {r["properties"]["torch_api"] for r in run["results"]
                 if r["properties"]["fix"] != "none" and "fixes" not in r}
    assert unchanged == {"torch.Tensor.view"}  # the same method in MindSpore: nothing to replace
    text = (project / "pkg" / "model.py").read_text()
    cat = next(f for f in find_in_text(text, db) if f.torch_api == "torch.cat")
    expected = quick_fix(text, cat, db)
    got = fixes(run)[("pkg/model.py", cat.line, "torch.cat")][0]
    assert got["description"]["text"].startswith(expected.title)
    assert got["properties"]["applicability"] == ("safe" if expected.safe else "unsafe")
    assert [(r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"], r["insertedContent"]["text"])
            for r in got["artifactChanges"][0]["replacements"]] == [
        (e.start.line, e.start.column + 1, e.new_text) for e in expected.edits]
    # a scan answered from its cache (findings without trees) carries the same fixes
    cache = tmp_path / "cache"
    run_scan([project], db, jobs=1, cache_dir=cache)
    cached = sarif_dict(run_scan([project], db, jobs=1, cache_dir=cache))["runs"][0]
    assert fixes(cached) == fixes(run) and any(fixes(run).values())


def test_sarif_fingerprints_survive_inserted_lines(project, db):
    before = sarif_dict(run_scan([project], db, jobs=1, use_cache=False))["runs"][0]["results"]
    model = project / "pkg" / "model.py"
    model.write_text("# a new header comment\n\n" + model.read_text())
    after = sarif_dict(run_scan([project], db, jobs=1, use_cache=False))["runs"][0]["results"]
    fp = lambda rs: {r["partialFingerprints"]["msdevFinding/v1"] for r in rs}  # noqa: E731
    assert fp(before) == fp(after)
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after][:1] == [8]


def test_sarif_paths_are_relative_to_the_repository_top(tmp_path, db):
    (tmp_path / ".git").mkdir()
    src = tmp_path / "src"
    src.mkdir()
    (src / "m.py").write_text("import torch\ntorch.zeros(1)\n")
    run = sarif_dict(run_scan([src], db, jobs=1, use_cache=False, root=src))["runs"][0]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/m.py"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"


def test_sarif_errors_become_notifications_and_the_result_cap_keeps_the_worst(tmp_path, db):
    (tmp_path / "broken.py").write_text("x = (\n")
    (tmp_path / "m.py").write_text("import torch\ntorch.zeros(1)\ntorch.cuda.synchronize()\ntorch.flatten(x)\n")
    result = run_scan([tmp_path], db, jobs=1, use_cache=False)
    run = sarif_dict(result, max_results=1)["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["level"] == "error" and "broken.py" in notes[0]["message"]["text"]
    assert notes[-1]["level"] == "warning" and notes[-1]["message"]["text"].startswith("2 of 3 results were left out")
    assert [r["ruleId"] for r in run["results"]] == ["MS106"]
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(sarif_dict(result, max_results=1))


# ---------------------------------------------------------------------- csv
def test_csv_one_row_per_finding(result):
    text = render(result, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 15
    assert list(rows[0]) == ["path", "line", "column", "end_line", "end_column", "torch_api", "kind", "status", "rule",
                             "mindspore_api", "confidence", "note_url", "message"]
    cat = next(r for r in rows if r["torch_api"] == "torch.cat")
    assert (cat["path"], cat["line"], cat["column"], cat["status"], cat["mindspore_api"]) == (
        "pkg/model.py", "15", "12", "arg-diff", "mindspore.ops.cat")
    assert cat["message"] == "torch.cat → mindspore.ops.cat: 1 argument differs (dim)"


def test_csv_error_rows_and_formula_safety(tmp_path, db):
    (tmp_path / "=cmd.py").write_text("def (:\n")
    text = render(run_scan([tmp_path], db, jobs=1, use_cache=False), "csv")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["status"] == "error" and row["path"] == "'=cmd.py" and row["message"].startswith("syntax error")


def test_csv_file_output_has_crlf_rows_only(result, tmp_path):
    out = tmp_path / "r.csv"
    write_report(result, "csv", out)
    data = out.read_bytes()
    assert data.count(b"\r\n") == 16 and b"\r\r\n" not in data


# ---------------------------------------------------------------------- html (structure; the browser test is separate)
class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_self_contained_and_complete(result):
    page = render(result, "html")
    parser = _Collector()
    parser.feed(page)
    tags = parser.tags
    # nothing fetched from the network: no external scripts, styles, images or fonts
    assert not [t for t, a in tags if t in ("script", "img", "link", "iframe") and (a.get("src") or a.get("href"))]
    assert "@import" not in page and "url(" not in page
    assert sum(1 for t, a in tags if t == "circle" and a.get("class") == "segment") == 7
    api_rows = [a for t, a in tags if t == "tr" and "data-status" in a]
    assert len(api_rows) >= 14 + 15  # api table rows + findings rows
    text = " ".join(parser.text)
    assert "86.7%" in text and "torch.cuda.is_available" in text and "pkg/plain.py" in text


def test_html_escapes_and_refuses_script_links(tmp_path, db):
    from msdev.report.html import _safe_url

    assert _safe_url("javascript:alert(1)") is None
    assert _safe_url("https://www.mindspore.cn/x.html") == "https://www.mindspore.cn/x.html"
    (tmp_path / "<img src=x onerror=alert(1)>.py").write_text("import torch\ntorch.zeros(1)\n")
    page = render(run_scan([tmp_path], db, jobs=1, use_cache=False), "html")
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;.py" in page


# ---------------------------------------------------------------------- destinations
def test_write_report_to_a_missing_folder_fails_cleanly(result, tmp_path):
    with pytest.raises(ReportError, match="does not exist"):
        write_report(result, "json", tmp_path / "nope" / "r.json")
    with pytest.raises(ReportError, match="is a directory"):
        write_report(result, "json", tmp_path)
    assert list(tmp_path.iterdir()) == [tmp_path / "project"]  # no temporary file left behind


def test_write_report_replaces_atomically(result, tmp_path):
    out = tmp_path / "r.json"
    out.write_text("old")
    write_report(result, "json", out)
    assert json.loads(out.read_text())["summary"]["uses"] == 15
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "r.json"]
