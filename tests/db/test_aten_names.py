"""ATen operator names (as aten-level graphs print them) without an entry of their own take the entry of
the public function bound to them (tests/fixtures/convert/aten_names.in.py runs on both frameworks in
tests/convert/test_constructs_run.py)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("aten, public", [
    ("torch.ops.aten.gather.default", "torch.gather"),
    ("torch.ops.aten.bitwise_and.Tensor", "torch.bitwise_and"),
    ("torch.ops.aten.erfinv.default", "torch.erfinv"),
    ("torch.ops.aten.linalg_det.default", "torch.linalg.det"),
    ("torch.ops.aten.special_erfcx.default", "torch.special.erfcx"),
    ("torch.ops.aten.mish.default", "torch.nn.functional.mish"),
])
def test_an_aten_operator_takes_its_public_functions_entry(db, aten, public):
    assert db.get(aten) is db.get(public) is not None


@pytest.mark.parametrize("aten", [
    "torch.ops.aten.add_.Tensor",  # in place: its own entry or none, never torch.add's
    "torch.ops.aten._to_copy.default",  # private
    "torch.ops.aten.gather",  # no overload: not an operator call as graphs print it
    "torch.ops.aten.no_such_op.default",
])
def test_in_place_private_and_unknown_operators_take_no_public_entry(db, aten):
    entry = db.get(aten)
    assert entry is None or entry.api == aten


@pytest.mark.parametrize("public", ["torch.native_layer_norm", "torch.native_batch_norm", "torch.native_group_norm"])
def test_a_public_binding_without_an_entry_takes_its_aten_operators(db, public):
    """`torch.native_layer_norm(...)` is the ATen operator of its name called with the same arguments."""
    assert public not in db.entries
    aten = db.get(f"torch.ops.aten.{public.split('.')[-1]}.default")
    assert aten is not None and db.get(public) is aten


@pytest.mark.parametrize("public", ["torch.relu_", "torch._foo", "torch.no_such_function", "torch.nn.native_layer_norm"])
def test_in_place_private_and_nested_names_take_no_aten_entry(db, public):
    entry = db.get(public)
    assert entry is None or not entry.api.startswith("torch.ops.aten.")
