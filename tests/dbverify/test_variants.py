"""Call variants generated from an entry's signature and example (no torch or mindspore needed)."""

from __future__ import annotations

from pathlib import Path

from msdev.db.loader import load_database
from msdev.dbverify.examples import prepare
from msdev.dbverify.records import regressions, summarize, variant_counts
from msdev.dbverify.variants import generate

FIXTURE_DB = Path(__file__).resolve().parents[1] / "fixtures" / "dbverify" / "db"


def _forms(entry, example=None, **kw):
    return {v.form: v.example for v in generate(entry, example, **kw)}


def test_function_gets_positional_keyword_behaviour_and_input_forms():
    db = load_database(FIXTURE_DB, use_cache=False)
    forms = _forms(db.get("torch.sum"))
    assert list(forms) == ["positional", "keywords", "dim=-1", "int64 inputs", "keepdim=False", "float64 inputs",
                           "bool inputs", "0-d inputs"]
    assert forms["positional"]["code"] == "out = torch.sum(x, 1, True)"
    kw = forms["keywords"]["code"]
    assert kw.startswith("out = torch.sum(") and "input=x" in kw and "dim=1" in kw and "keepdim=True" in kw
    assert kw != "out = torch.sum(input=x, dim=1, keepdim=True)"  # shuffled, not PyTorch's order
    assert forms["dim=-1"]["code"] == "out = torch.sum(x, dim=-1, keepdim=True)"  # 1 of a 2-d input
    assert forms["int64 inputs"]["inputs"] == {"x": {"shape": [3, 4], "dtype": "int64", "low": 0, "high": 5}}
    assert forms["bool inputs"]["inputs"] == {"x": {"shape": [3, 4], "dtype": "bool"}}
    assert forms["0-d inputs"]["inputs"] == {"x": {"shape": []}}


def test_an_input_whose_shape_the_code_needs_keeps_it_in_the_0d_form():
    db = load_database(FIXTURE_DB, use_cache=False)
    entry = db.get("torch.sum")
    # grown by resize_, a 0-d input would leave PyTorch's new elements uninitialised: no 0-d form
    ex = {"inputs": {"x": {"shape": [3, 4], "keep_shape": True}}, "code": "out = torch.sum(x, 1)"}
    forms = _forms(entry, ex)
    assert "0-d inputs" not in forms and "int64 inputs" in forms
    ex["inputs"]["y"] = {"shape": [2]}
    assert _forms(entry, ex)["0-d inputs"]["inputs"] == {"x": {"shape": [3, 4], "keep_shape": True},
                                                         "y": {"shape": []}}


def test_missing_positional_arguments_are_filled_from_pytorch_defaults():
    db = load_database(FIXTURE_DB, use_cache=False)
    entry = db.get("torch.sum")
    ex = {"inputs": {"x": {"shape": [3]}}, "code": "out = torch.sum(x, keepdim=True)"}
    # without PyTorch's default for `dim` the positional form cannot be written
    assert "positional" not in _forms(entry, ex)
    forms = _forms(entry, ex, defaults={"dim": "None"})
    assert forms["positional"]["code"] == "out = torch.sum(x, None, True)"
    assert forms["dim=-1"]["code"] == "out = torch.sum(x, keepdim=True, dim=-1)"


def test_constructor_arguments_of_a_layer_vary_in_setup():
    db = load_database(FIXTURE_DB, use_cache=False)
    entry = db.get("torch.sum")
    entry.kind, entry.api = "class", "torch.nn.L1Loss"
    entry.params = ["size_average", "reduce", "reduction"]
    ex = {"inputs": {"x": {"shape": [4]}, "y": {"shape": [4]}}, "setup": "m = nn.L1Loss(reduction='sum')",
          "code": "out = m(x, y)"}
    forms = _forms(entry, ex, defaults={"size_average": "None", "reduce": "None"})
    assert forms["positional"]["setup"] == "m = nn.L1Loss(None, None, 'sum')"
    assert forms["reduction='none'"]["setup"] == "m = nn.L1Loss(reduction='none')"
    assert forms["reduction='mean'"]["setup"] == "m = nn.L1Loss(reduction='mean')"
    assert "reduction='sum'" not in forms  # the example's own value
    assert all(f["code"] == "out = m(x, y)" for f in forms.values())


def test_variants_are_converted_by_msdev_and_a_refused_form_is_kept_for_pytorch_to_judge():
    db = load_database(FIXTURE_DB, use_cache=False)
    p = prepare(db, db.get("torch.amax"), variants=True)
    by_form = {v.form: v for v in p.variants}
    assert by_form["positional"].ms_src.count("amax(x, 1)") == 1
    # the deliberately wrong rename only shows in a form the example does not write
    assert "keep_dims=True" in by_form["keepdim=True"].ms_src
    assert "keep_dims" not in p.ms_src
    job = p.job()
    assert [v["form"] for v in job["variants"]] == list(by_form)


def test_variant_counts_summary_and_regressions():
    result = {"api": "torch.sum", "profile": "portable", "backend": "CPU", "status": "pass", "reason": "",
              "variants": variant_counts({"variants": [
                  {"form": "positional", "status": "pass", "reason": ""},
                  {"form": "keepdim=True", "status": "fail", "reason": "exception: TypeError: x"},
                  {"form": "bool inputs", "status": "dropped", "reason": "bad example"}]})}
    assert result["variants"] == {"run": 2, "pass": 1, "refused": 0,
                                  "fail": [{"form": "keepdim=True", "reason": "exception: TypeError: x"}]}
    s = summarize([result], entries_with_target=2, examples=1)["variants"]
    assert (s["run"], s["pass"], s["fail"], s["per_entry_with_target"], s["pass_share"]) == (2, 1, 1, 1.0, 0.5)
    assert s["fail_by_reason"] == {"exception": 1}
    db = load_database(FIXTURE_DB, use_cache=False)
    entry = db.get("torch.sum")
    base = {"profile": "portable", "backend": "CPU", "result": "pass"}
    entry.verified = [base]  # an older record without variants: the example alone is the gate
    assert regressions(db, [result], "portable", "CPU") == []
    entry.verified = [{**base, "variants": 2}]
    [reg] = regressions(db, [result], "portable", "CPU")
    assert reg["reason"] == "variant keepdim=True: exception: TypeError: x"
    entry.verified = [{**base, "variants": 2, "variants_failing": ["keepdim=True"]}]
    assert regressions(db, [result], "portable", "CPU") == []


def test_records_keep_variant_counts_and_stay_valid(tmp_path):
    import shutil

    from msdev.db.check import check_database
    from msdev.dbverify.records import write_records

    db_dir = tmp_path / "db"
    shutil.copytree(FIXTURE_DB, db_dir)
    result = {"api": "torch.amax", "profile": "portable", "backend": "CPU", "status": "pass", "reason": "",
              "variants": {"run": 4, "pass": 3, "refused": 0,
                           "fail": [{"form": "keepdim=True", "reason": "exception: TypeError: x"}]}}
    write_records(db_dir, "portable", "CPU", [result], {"mindspore": "2.10.0", "torch": "2.13.0"})
    assert "torch.amax: {result: pass, variants: 4, variants_failing: [keepdim=True]}" in \
        (db_dir / "verified" / "portable-CPU.yaml").read_text()
    problems, _, _ = check_database(db_dir)
    assert problems == []
    db = load_database(db_dir, use_cache=False)
    assert db.get("torch.amax").verified[-1]["variants_failing"] == ["keepdim=True"]
    assert regressions(db, [result], "portable", "CPU") == []
