"""msdev: the PyTorch → MindSpore migration toolkit."""

__version__ = "0.1.0"
