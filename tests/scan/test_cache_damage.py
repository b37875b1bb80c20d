"""Issue 21 item 6: a damaged cache never breaks a scan; it is checked on read and rebuilt."""

from __future__ import annotations

import marshal

import pytest

from msdev.scanning import run_scan
from msdev.scanning.cache import default_cache_dir, payload_is_valid

from .conftest import run_cli
from .test_runner import as_rows

DAMAGE = {
    "not utf-8": b"\xff\xfe\x00garbage",
    "truncated": None,  # the first half of the real entry
    "empty": b"",
    "wrong shape": marshal.dumps((1, 2, 3, 4)),
    "wrong types": marshal.dumps((3, None, (("torch.x", "nonsense", None, None, "m", None),), ((1, 0, 1, 2, 0, 0, 0),))),
    "index out of range": marshal.dumps((3, None, (), ((1, 0, 1, 2, 0, 0, 5),))),
    "a list": marshal.dumps([1, 2]),
}


def _damage(cache, how: str) -> int:
    n = 0
    for path in cache.rglob("*"):
        if not path.is_file() or path.parent == cache:
            continue
        data = path.read_bytes()
        if path.suffix == ".txt":  # meta facts: db version, verification states
            path.write_bytes(b"\xff\xfe\x00" if how != "a list" else b"[1, 2]")
        else:
            path.write_bytes(data[: len(data) // 2] if DAMAGE[how] is None else DAMAGE[how])
        n += 1
    return n


@pytest.mark.parametrize("how", sorted(DAMAGE))
def test_damaged_entries_are_rebuilt_silently(how, project, db):
    first = run_scan([project], db, jobs=1)
    assert _damage(default_cache_dir(project), how) > 0
    again = run_scan([project], db, jobs=1)
    assert as_rows(again) == as_rows(first) and not again.warnings
    assert again.analysed == len(first.files)  # nothing damaged was believed
    third = run_scan([project], db, jobs=1)
    assert third.cache_hits == len(first.files) and as_rows(third) == as_rows(first)  # rebuilt


@pytest.mark.parametrize("how", ["not utf-8", "wrong types", "a list"])
def test_cli_scan_on_a_damaged_cache(how, project):
    first = run_cli("scan", str(project), "--format", "json")
    _damage(default_cache_dir(project), how)
    again = run_cli("scan", str(project), "--format", "json")
    assert "Traceback" not in again.stderr, again.stderr
    assert again.returncode == first.returncode and again.stdout.count('"torch_api"') == first.stdout.count('"torch_api"')


def test_payload_check_accepts_what_the_runner_writes(project, db):
    from msdev.scanning.runner import encode

    for fr in run_scan([project], db, jobs=1, use_cache=False).files:
        assert payload_is_valid(marshal.loads(encode(fr)))
