"""Weights: read PyTorch checkpoints safely, map parameter names to MindSpore, write .ckpt/.safetensors.

Needs numpy, never torch or mindspore.
"""

from .mapping import MapEntry, MapError, WeightMap, build_map, map_from_source
from .reader import CheckpointError, UnsafeCheckpointError, read_checkpoint
from .structure import ModelSource
from .writer import OutputExistsError, write_checkpoint

__all__ = ["CheckpointError", "MapEntry", "MapError", "ModelSource", "OutputExistsError", "UnsafeCheckpointError",
           "WeightMap", "build_map", "map_from_source", "read_checkpoint", "write_checkpoint"]
