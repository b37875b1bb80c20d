"""The real corpus (612 files of timm, torchvision, …): every file scanned, every format written.

Uses the shipped mapping database; skipped when the corpus is not downloaded (.ci/run does it).
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys

import jsonschema
import pytest

from msdev.report.json_report import SCHEMA_PATH

from .conftest import FIXTURES

pytestmark = pytest.mark.slow


def manifest_files(corpus) -> int:
    with open(corpus / "MANIFEST.tsv", encoding="utf-8") as fh:
        return sum(int(row["files"]) for row in csv.DictReader(fh, delimiter="\t"))


def test_corpus_scans_completely_in_every_format(corpus, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MSDEV_DB"}
    cache = tmp_path / "cache"
    outputs = {}
    for fmt in ("json", "sarif", "html", "csv", "text"):
        out = tmp_path / f"corpus.{fmt}"
        proc = subprocess.run([sys.executable, "-m", "msdev", "scan", str(corpus), "--format", fmt, "-o", str(out),
                               "--cache-dir", str(cache)], capture_output=True, text=True, env=env, timeout=600)
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
        outputs[fmt] = out
    report = json.loads(outputs["json"].read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text())).validate(report)
    s = report["summary"]
    assert s["files"] == len(report["files"]) == manifest_files(corpus)
    assert s["files_with_errors"] == 0, [f for f in report["files"] if "error" in f][:5]
    uses = s["uses"]
    assert uses > 10_000 and sum(len(f["findings"]) for f in report["files"]) == uses

    sarif = json.loads(outputs["sarif"].read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(json.loads((FIXTURES / "sarif-2.1.0-rtm.5.json").read_text())).validate(sarif)
    assert len(sarif["runs"][0]["results"]) == min(uses, 25_000)

    with outputs["csv"].open(newline="", encoding="utf-8") as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == uses
    text_lines = outputs["text"].read_text(encoding="utf-8").splitlines()
    assert sum(1 for line in text_lines if re.match(r"^\S+\.py:\d+:\d+: ", line)) == uses
    page = outputs["html"].read_text(encoding="utf-8")
    assert f'id="stat-uses">{uses:,}<' in page and f'id="stat-files">{s["files"]:,}<' in page
