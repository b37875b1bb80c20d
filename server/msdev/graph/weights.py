"""The checkpoint beside the generated code: PyTorch's live tensors under the generated Cells' names.

The generated Cells keep the PyTorch attribute paths, so a parameter's name changes only where
the layer itself names it differently in MindSpore (BatchNorm weight → gamma, ...). The map is
the one `msdev verify` derives from live modules (weights.layers rules, mint keeps names); it is
then checked against the parameters the generated network really has, and written with
msdev's own .ckpt writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..verify.runner import live_map
from ..weights.mapping import MapEntry, converted_tensors
from ..weights.tensors import from_array
from ..weights.writer import write_checkpoint


@dataclass
class WeightsResult:
    path: Path
    written: int
    renamed: int
    missing: list[str] = field(default_factory=list)  # Cell parameters no tensor reached
    unexpected: list[str] = field(default_factory=list)  # tensors the Cells have no parameter for


def write_weights(torch_model, ms_net, path: Path, overwrite: bool = False) -> WeightsResult:
    """Map every PyTorch parameter and buffer (persistent or not) onto the Cell's parameters."""
    ms_names = {name for name, _ in ms_net.parameters_and_names()}
    wmap = live_map(torch_model, ms_net)
    arrays = {}
    for prefix, module in torch_model.named_modules():
        for name, value in list(module._parameters.items()) + list(module._buffers.items()):
            if value is not None:
                arrays[f"{prefix}.{name}" if prefix else name] = value.detach().cpu().numpy()
    known = {e.torch for e in wmap.entries}
    for key, arr in arrays.items():  # non-persistent buffers: the generated Cell holds them too
        if key not in known:
            wmap.entries.append(MapEntry(key, key, None, None, "source", None, list(arr.shape), list(arr.shape)))
    for e in wmap.entries:
        # a user class deriving from a torch layer but traced generically keeps PyTorch's names
        # (timm's BatchNormAct2d), including what the layer rule drops (num_batches_tracked)
        if e.mindspore not in ms_names and e.torch in ms_names:
            e.mindspore, e.transform = e.torch, None
    wmap.entries = [e for e in wmap.entries if e.mindspore is None or e.mindspore in ms_names
                    or e.torch is not None]
    tensors = converted_tensors(wmap, {k: from_array(k, v) for k, v in arrays.items()})
    written = {t.name for t in tensors}
    count = write_checkpoint(path, tensors, "ckpt", overwrite=overwrite)
    renamed = sum(1 for e in wmap.entries if e.torch is not None and e.mindspore is not None
                  and (e.torch != e.mindspore or e.transform))
    return WeightsResult(path, count, renamed, sorted(ms_names - written), sorted(written - ms_names))
