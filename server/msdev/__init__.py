"""msdev: the PyTorch → MindSpore migration toolkit."""

__version__ = "0.1.0"

#: the name to `pip install` (the command and the import package are `msdev`; the PyPI name
#: `msdev` belongs to an unrelated project)
DISTRIBUTION = "msdev-migrate"
