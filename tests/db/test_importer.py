"""`msdev db import-reference`: generation from the tables, and never touching people's fields."""

from __future__ import annotations

import shutil

import yaml

from msdev.cli.main import main
from msdev.db.importer import (
    derive_args,
    import_reference,
    parse_signature,
)
from msdev.db.yamlio import load_plain
from tests.conftest import FIXTURES, check_golden

REF = FIXTURES / "db" / "reference"


def _entries(db_dir) -> dict[str, dict]:
    out = {}
    for path in sorted(db_dir.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        for e in load_plain(path) or []:
            out[e["api"]] = e
    return out


# ------------------------------------------------------------------ signatures

def test_parse_signature_kinds():
    sig = parse_signature("[doc] (input, dim=-1, descending=False, *, stable=False) -> Tensor")
    assert sig.names() == ["input", "dim", "descending", "*", "stable"]
    assert sig.get("dim").default == "-1"
    varargs = parse_signature("[doc] (*size, *, out=None, dtype=None) -> Tensor")
    assert varargs.names() == ["*size", "out", "dtype"]
    assert not varargs.opaque
    assert parse_signature("(*args, **kwargs)").opaque
    typed = parse_signature("(x: Union[int, tuple[int, int]] = (1, 2), y: Literal['a', 'b'] = 'a') -> None")
    assert typed.names() == ["x", "y"] and typed.get("x").default == "(1, 2)"
    assert parse_signature("") is None and parse_signature("not a signature") is None


def test_derive_args_renames_drops_and_defaults():
    torch_sig = parse_signature("(input, dim=0, keepdim=False, *, out=None)")
    ms_sig = parse_signature("(x, axis=0, keep_dims=True)")
    args, facts = derive_args(torch_sig, ms_sig)
    assert args["input"] == {"to": "x"}
    assert args["dim"] == {"to": "axis"}
    assert args["keepdim"] == {"to": "keep_dims", "default": "False"}  # MindSpore's default differs
    assert args["out"] == {"drop": "no MindSpore counterpart", "torch_default": "None"}
    assert facts["defaults_differ"] == ["keepdim"] and facts["complete"]


def test_derive_args_without_readable_signature_says_nothing():
    args, facts = derive_args(parse_signature("(input)"), parse_signature("(*args, **kwargs)"))
    assert args == {} and not facts["complete"]


# ------------------------------------------------------------------ generation (golden)

def test_import_fixture_reference_golden(tmp_path):
    report = import_reference(REF, tmp_path)
    assert report.generated == 11 and report.created == 11
    text = "".join(f"## {p.name}\n{p.read_text(encoding='utf-8')}" for p in sorted(tmp_path.glob("*.yaml")))
    check_golden(FIXTURES / "db" / "import_expected.yaml.txt", text)


def test_import_derivations(tmp_path):
    import_reference(REF, tmp_path)
    e = _entries(tmp_path)
    # a misspelt PyTorch name becomes the real name; the MindSpore misspelling is fixed too
    assert "torch.nn.LogSoftMax" not in e
    assert e["torch.nn.LogSoftmax"]["targets"]["portable"]["api"] == "mindspore.nn.LogSoftmax"
    # a target MindSpore 2.10 does not have cannot be used
    fixture = e["torch.nn.Fixture"]["targets"]["portable"]
    assert fixture["api"] is None and fixture["status"] == "unsupported"
    # two 2024 rows: the consistent one wins, the other is kept in `official`
    adam = e["torch.optim.Adam"]
    assert adam["targets"]["portable"]["api"] == "mindspore.experimental.optim.Adam"
    assert adam["official"]["2024"]["alternatives"][0]["target"] == "mindspore.nn.Adam"
    assert adam["targets"]["ascend"]["api"] == "mindspore.mint.optim.Adam"
    # param_name_diff → arg-diff with the automatic map
    argsort = e["torch.argsort"]["targets"]["portable"]
    assert argsort["status"] == "arg-diff" and argsort["args"]["dim"] == "axis"
    # only a mint target: used, with the CPU risk spelled out
    relu_ = e["torch.nn.functional.relu_"]["targets"]["portable"]
    assert relu_["api"].startswith("mindspore.mint.") and "CPU" in relu_["reason"]
    assert "ascend" not in e["torch.nn.functional.relu_"]["targets"]
    # kinds and returns
    assert (e["torch.Tensor.view"]["kind"], e["torch.Tensor.view"]["returns"]) == ("method", "tensor")
    assert (e["torch.nn.Conv2d"]["kind"], e["torch.nn.Conv2d"]["returns"]) == ("class", "module")
    assert e["torch.optim.Adam"]["returns"] == "other"
    assert e["torch.nn.Conv2d"]["note_url"].startswith("https://www.mindspore.cn/")


def test_reimport_is_idempotent(tmp_path):
    import_reference(REF, tmp_path)
    again = import_reference(REF, tmp_path)
    assert again.files_written == [] and again.updated == 0


def test_reimport_preserves_hand_curated_fields(tmp_path):
    import_reference(REF, tmp_path)
    nn_file = tmp_path / "nn.yaml"
    data = load_plain(nn_file)
    conv = next(e for e in data if e["api"] == "torch.nn.Conv2d")
    conv["summary"] = "hand-written summary"
    conv["note_url"] = "https://example.org/conv2d-note"
    conv["example"] = {"torch": "nn.Conv2d(3, 4, 3)"}
    conv["verified"] = [{"profile": "portable", "backend": "CPU", "result": "pass"}]
    conv["targets"]["portable"] = {"api": "mindspore.nn.Conv2d", "status": "arg-diff", "source": "curated",
                                   "args": {"groups": "group"}, "insert": {"pad_mode": "'pad'"}}
    conv["official"] = {"2024": {"target": "tampered", "category": "consistent"}}
    del conv["targets"]["ascend"]["args"]  # generated targets are refreshed
    data.append({"api": "torch.nn.HandOnly", "kind": "class", "returns": "module", "summary": "by hand",
                 "targets": {"portable": {"api": "mindspore.nn.Cell", "status": "manual", "source": "curated"}}})
    nn_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    report = import_reference(REF, tmp_path)
    e = _entries(tmp_path)
    conv = e["torch.nn.Conv2d"]
    assert conv["summary"] == "hand-written summary"
    assert conv["note_url"] == "https://example.org/conv2d-note"
    assert conv["example"] == {"torch": "nn.Conv2d(3, 4, 3)"}
    assert conv["verified"][0]["result"] == "pass"
    assert conv["targets"]["portable"]["source"] == "curated"
    assert conv["targets"]["portable"]["insert"] == {"pad_mode": "'pad'"}
    assert conv["official"]["2024"]["target"] == "mindspore.nn.Conv2d"  # the importer owns `official`
    assert conv["targets"]["ascend"]["args"]["device"]["drop"]  # generated target restored
    assert e["torch.nn.HandOnly"]["summary"] == "by hand"
    assert report.kept_by_hand == 1


def test_cli_import_reference(tmp_path, capsys):
    assert main(["db", "import-reference", "--reference", str(REF), "--db", str(tmp_path)]) == 0
    assert "imported 11 APIs" in capsys.readouterr().out
    assert main(["db", "import-reference", "--reference", str(tmp_path / "nope"), "--db", str(tmp_path)]) == 2
    assert "reference directory not found" in capsys.readouterr().err


def test_installed_msdev_does_not_guess_a_reference_dir(tmp_path, capsys, monkeypatch):
    """Installed in a venv, there is no checkout around the package: say where the tables go."""
    from msdev.cli import db_cmd

    site = tmp_path / "venv" / "lib" / "python3.11"
    (tmp_path / "venv" / "lib" / "shared" / "reference").mkdir(parents=True)  # must not be looked at
    monkeypatch.setattr(db_cmd, "PROJECT_ROOT", site)
    monkeypatch.delenv("MSDEV_REFERENCE", raising=False)
    assert db_cmd.find_reference() is None
    assert main(["db", "import-reference", "--db", str(tmp_path / "db")]) == 2
    err = capsys.readouterr().err
    assert "no reference tables found: pass --reference DIR or set MSDEV_REFERENCE" in err
    assert "Traceback" not in err
    monkeypatch.setenv("MSDEV_REFERENCE", str(REF))
    assert db_cmd.find_reference() == REF
    assert main(["db", "import-reference", "--db", str(tmp_path / "db")]) == 0


def test_cli_stats_without_reference_says_what_it_counts(tmp_path, capsys, monkeypatch):
    from msdev.cli import db_cmd

    monkeypatch.setattr(db_cmd, "PROJECT_ROOT", tmp_path)
    monkeypatch.delenv("MSDEV_REFERENCE", raising=False)
    import_reference(REF, tmp_path / "db")
    assert main(["db", "stats", "--db", str(tmp_path / "db")]) == 0
    out, err = capsys.readouterr()
    assert "official coverage needs the reference tables" in err
    assert "entries from the official tables: 11" in out
    assert main(["db", "stats", "--db", str(tmp_path / "db"), "--reference", str(tmp_path / "nope")]) == 2
    assert "reference not found" in capsys.readouterr().err


def test_cli_import_refuses_a_non_list_file(tmp_path, capsys):
    shutil.copytree(REF, tmp_path / "ref")
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "nn.yaml").write_text("api: torch.nn.Conv2d\n", encoding="utf-8")
    assert main(["db", "import-reference", "--reference", str(tmp_path / "ref"), "--db", str(tmp_path / "db")]) == 2
    assert "expected a list of entries" in capsys.readouterr().err


# ------------------------------------------------------------------ the shipped database

def test_shipped_database_covers_every_official_api(db):
    from msdev.db.search import union_apis

    names = union_apis(FIXTURES / "db" / "official_apis.tsv")  # the 928 names of torch_api_union.tsv
    assert names is not None
    with (FIXTURES / "db" / "official_apis.tsv").open() as fh:
        assert sum(1 for _ in fh) - 1 == 928
    missing = [n for n in names if n not in db.entries]
    assert missing == []


def test_shipped_curated_count(db):
    curated = [e for e in db.entries.values() if e.targets["portable"].source == "curated"]
    assert len(curated) >= 200
    # every curated target that converts automatically names its MindSpore API or says how (templates)
    for e in curated:
        t = e.targets["portable"]
        if t.status.value in ("identical", "renamed", "arg-diff", "default-diff"):
            assert (t.api and t.api.startswith(("mindspore.", "builtins.", "math."))) or (
                t.api is None and t.templates), e.api
