"""The HTML report in a real headless Chromium: what it shows, sorting, filtering, a screenshot.

Needs Debian's `chromium` (`apt-get install -y chromium`; .ci/run installs it). The tests skip
only when no Chromium binary exists at all.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from html import unescape
from pathlib import Path

import pytest

from msdev.report import write_report
from msdev.scanning import run_scan

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         "--disable-extensions", "--disable-dev-shm-usage", "--allow-file-access-from-files"]


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def report(project, db, tmp_path) -> Path:
    out = tmp_path / "report.html"
    write_report(run_scan([project], db, jobs=1, use_cache=False), "html", out)
    return out


def dump_dom(page: Path, tmp_path: Path) -> str:
    proc = chromium("--virtual-time-budget=5000", "--dump-dom", page.as_uri(), profile=tmp_path / "chrome-profile")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "<html" in proc.stdout
    return proc.stdout


def with_probe(page: Path, script: str) -> Path:
    """A copy of the report with a script that drives the page and records what it sees in #probe."""
    probe = page.with_name("probe.html")
    html = page.read_text(encoding="utf-8")
    probe.write_text(html.replace("</body>", f'<pre id="probe"></pre><script>{script}</script></body>'),
                     encoding="utf-8")
    return probe


def probe_text(dom: str) -> str:
    m = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert m, "the probe script did not run"
    return unescape(m.group(1))


def test_page_shows_summary_chart_and_tables(report, tmp_path):
    dom = dump_dom(report, tmp_path)
    for ident, value in (("stat-files", "5"), ("stat-uses", "15"), ("stat-readiness", "86.7%"), ("stat-errors", "0")):
        assert re.search(rf'id="{ident}">{re.escape(value)}<', dom), ident
    assert dom.count('class="segment"') == 7  # one donut arc per status present
    # the inline script ran: it filled the row counters
    assert '<span class="count" data-count="api-table">14 of 14 shown</span>' in dom
    assert '<span class="count" data-count="file-table">5 of 5 shown</span>' in dom
    assert "torch.cuda.is_available" in dom and "mindspore.ops.cat" in dom
    assert 'href="https://www.mindspore.cn/docs/en/master/note/api_mapping/pytorch_diff/cat.html"' in dom


def test_sorting_and_filtering_in_the_browser(report, tmp_path):
    script = r"""
    function col(id, i) { return Array.prototype.map.call(document.getElementById(id).tBodies[0].rows,
                                  function (r) { return r.cells[i].textContent.trim(); }); }
    var out = [];
    var heads = document.getElementById('api-table').tHead.rows[0].cells;
    heads[0].click();                      // by name, ascending
    out.push('name-asc=' + col('api-table', 0).join(','));
    heads[0].click();                      // again: descending
    out.push('name-desc=' + col('api-table', 0).join(','));
    heads[3].click();                      // by status rank, ascending
    out.push('status-asc=' + col('api-table', 3).join(','));
    var box = document.querySelector('[data-filter="api-table"]');
    box.value = 'cuda'; box.dispatchEvent(new Event('input'));
    out.push('filtered=' + document.querySelector('[data-count="api-table"]').textContent);
    var fh = document.getElementById('file-table').tHead.rows[0].cells;
    fh[2].click(); fh[2].click();          // files by uses, descending
    out.push('files-by-uses=' + col('file-table', 2).join(','));
    document.getElementById('probe').textContent = out.join('\n');
    """
    lines = dict(line.split("=", 1) for line in probe_text(dump_dom(with_probe(report, script), tmp_path)).splitlines())
    names = lines["name-asc"].split(",")
    assert names == sorted(names, key=str.lower) and len(names) == 14
    assert lines["name-desc"].split(",") == names[::-1]
    order = ["identical", "renamed", "default differs", "arguments differ", "partial", "manual", "not in database",
             "unsupported"]
    statuses = lines["status-asc"].split(",")
    assert [order.index(s) for s in statuses] == sorted(order.index(s) for s in statuses)
    assert lines["filtered"] == "3 of 14 shown"
    assert lines["files-by-uses"] == "9,5,1,0,0"


def _png_size_and_pixels(data: bytes) -> tuple[int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def test_screenshot_is_a_real_rendering(report, tmp_path):
    shot = tmp_path / "report.png"
    proc = chromium("--window-size=1280,1000", f"--screenshot={shot}", report.as_uri(),
                    profile=tmp_path / "chrome-profile")
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    width, height, pixels = _png_size_and_pixels(shot.read_bytes())
    assert (width, height) == (1280, 1000)
    assert len(set(pixels[::97])) > 20  # text, chart colours and badges, not a blank page


# ---------------------------------------------------------------- layout a team lead reads
#: screenshots land here (gitignored) so a reviewer can look at what the report shows
SHOTS = Path(__import__("os").environ.get("MSDEV_TEST_OUTPUT", Path(__file__).resolve().parents[2] / "test-results"))

LAYOUT_PROBE = r"""
var out = [];
Array.prototype.forEach.call(document.querySelectorAll('#file-table details'), function (d) { d.open = true; });
var doc = document.documentElement;
out.push('viewport=' + window.innerWidth);
out.push('page-width=' + doc.scrollWidth);
out.push('main-width=' + document.querySelector('main').getBoundingClientRect().width);
var files = document.getElementById('file-table');
out.push('files-overflow=' + (files.scrollWidth - files.clientWidth));
var inner = document.querySelectorAll('#file-table table.findings');
var worst = 0;
Array.prototype.forEach.call(inner, function (t) {
  var cell = t.closest('td');
  worst = Math.max(worst, t.getBoundingClientRect().right - cell.getBoundingClientRect().right);
});
out.push('findings-overflow=' + Math.round(worst));
var rows = document.getElementById('api-table').tBodies[0].rows;
var tallest = 0;
for (var i = 0; i < rows.length; i++) tallest = Math.max(tallest, rows[i].getBoundingClientRect().height);
out.push('api-row-max=' + Math.round(tallest));
var badges = document.querySelectorAll('#api-table .vbadge');
out.push('badges=' + badges.length + '/' + rows.length);
out.push('badge-tooltips=' + Array.prototype.filter.call(badges, function (b) { return b.title.length > 0; }).length);
out.push('folder-bars=' + document.querySelectorAll('#folder-chart .stack-bar').length);
out.push('charts-side-by-side=' + (function () {
  var a = document.getElementById('status-chart').closest('.panel').getBoundingClientRect();
  var b = document.getElementById('folder-chart').getBoundingClientRect();
  return Math.abs(a.top - b.top) < 2 && b.left > a.right;
})());
document.getElementById('probe').textContent = out.join('\n');
"""


@pytest.fixture
def wide_report(tmp_path, db) -> Path:
    """A project with long dotted names, long messages and deep paths: what overflowed before."""
    src = tmp_path / "proj"
    for folder in ("models/backbones/very_long_folder_name_for_layout", "data", "train"):
        (src / folder).mkdir(parents=True)
    body = ("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
            "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.conv = nn.Conv2d(3, 16, 3, padding=1, bias=False)\n        self.bn = nn.BatchNorm2d(16)\n\n"
            "    def forward(self, x):\n        y = torch.cat([self.bn(self.conv(x)), x], dim=1)\n"
            "        torch.cuda.synchronize()\n        return F.relu(y).view(-1)\n")
    (src / "models/backbones/very_long_folder_name_for_layout/a_module_with_a_rather_long_file_name.py").write_text(body)
    (src / "data" / "loader.py").write_text(body.replace("torch.cuda.synchronize()", "torch.frobnicate()"))
    (src / "train" / "loop.py").write_text(body)
    out = tmp_path / "wide.html"
    write_report(run_scan([src], db, jobs=1, use_cache=False), "html", out)
    return out


@pytest.mark.parametrize("width", [1280, 1920])
def test_layout_uses_the_width_without_overflow(wide_report, tmp_path, width):
    profile = tmp_path / f"chrome-{width}"
    probe = with_probe(wide_report, LAYOUT_PROBE)
    proc = chromium(f"--window-size={width},1000", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri(),
                    profile=profile)
    assert proc.returncode == 0, proc.stderr[-2000:]
    seen = dict(line.split("=", 1) for line in probe_text(proc.stdout).splitlines())
    assert int(seen["viewport"]) == width
    assert int(seen["page-width"]) <= width, seen  # no horizontal scrolling, even with every file expanded
    assert float(seen["main-width"]) >= width * 0.9, seen  # full width, not a 900 px column
    assert int(seen["files-overflow"]) <= 0 and int(seen["findings-overflow"]) <= 0, seen
    assert int(seen["api-row-max"]) <= 48, seen  # compact: at most two short lines per API
    n = seen["badges"].split("/")
    assert n[0] == n[1] and int(seen["badge-tooltips"]) == int(n[0]), seen
    assert int(seen["folder-bars"]) == 3, seen  # models/backbones/…, data, train
    assert seen["charts-side-by-side"] == "true", seen
    # what a reader sees first, kept for review
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"html-report-{width}.png"
    proc = chromium(f"--window-size={width},1100", f"--screenshot={shot}", wide_report.as_uri(), profile=profile)
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    w, h, pixels = _png_size_and_pixels(shot.read_bytes())
    assert (w, h) == (width, 1100) and len(set(pixels[::97])) > 20
