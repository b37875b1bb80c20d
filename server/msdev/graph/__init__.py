"""Graph-based generation: MindSpore code and weights from a live PyTorch model.

The only msdev package that imports torch (lazily, from `pipeline.convert_model`): capture,
codegen and weights need the `verify` extra (torch + mindspore).
"""
