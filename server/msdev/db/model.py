"""Typed view of a mapping-database entry (see mapping_db/README.md for the YAML layout)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..findings import Status

PROFILES = ("portable", "ascend")
KINDS = ("function", "class", "method", "attribute", "module")
RETURNS = ("tensor", "tensors", "module", "other")


@dataclass(slots=True)
class ArgSpec:
    """How one PyTorch argument becomes MindSpore arguments.

    to:          the MindSpore keyword name (None: same name)
    drop:        reason the argument is removed (safe only when the value equals `torch_default`)
    transform:   expression template applied to the value, `{}` stands for the value (`1 - {}`)
    default:     expression MindSpore needs when the PyTorch call leaves the argument out
                 (the PyTorch default differs from MindSpore's)
    literal_map: a source literal (as written, e.g. "'same'") → MindSpore keyword arguments to
                 write instead of this argument
    allowed:     literal values that convert; any other value makes the use manual
    unsupported: reason any explicit use of the argument cannot be converted
    torch_default: PyTorch's default, as source text (used to decide whether a drop is harmless)
    pack:        on a `*size` parameter: `f(2, 3)` becomes `f((2, 3))` (MindSpore takes one tuple)
    required:    reason the argument map needs the argument written (not left out, not None): such a
                 call takes the target's fallback templates, or is refused
    """

    name: str
    to: str | None = None
    drop: str | None = None
    transform: str | None = None
    default: str | None = None
    literal_map: dict[str, dict[str, str]] | None = None
    allowed: list[str] | None = None
    unsupported: str | None = None
    torch_default: str | None = None
    pack: bool = False  # for a `*name` parameter: several positional values become one tuple
    required: str | None = None

    @property
    def target_name(self) -> str:
        return self.to or self.name

    def differs(self) -> bool:
        """Whether this argument is written differently in MindSpore (the `sizes` transform only
        normalises a list to a tuple, so it does not count)."""
        return bool(
            (self.to and self.to != self.name)
            or self.drop
            or (self.transform and self.transform != "sizes")
            or self.default is not None
            or self.literal_map
            or self.allowed
            or self.unsupported
        )


@dataclass(slots=True)
class Target:
    """The MindSpore counterpart of an entry for one profile."""

    profile: str
    api: str | None
    status: Status
    params: list[str] | None = None  # MindSpore positional order, when known
    args: dict[str, ArgSpec] = field(default_factory=dict)
    insert: dict[str, str] = field(default_factory=dict)  # keyword arguments always added
    call_style: str = "same"  # same | function (Tensor method → ops function taking the tensor first)
    templates: list[str] = field(default_factory=list)  # whole-use rewrites: "{self}.shape[{dim}]"
    #: whole-call rewrites for the calls the argument map refuses (a literal outside `allowed`, ...)
    fallback_templates: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)  # instance attributes renamed (groups → group)
    #: constructor arguments PyTorch's layer keeps as attributes and MindSpore's does not (a pool's padding,
    #: ceil_mode), with PyTorch's defaults: a subclass's `super().__init__` stores them for its own code
    keeps: dict[str, str] = field(default_factory=dict)
    reason: str | None = None  # why manual/unsupported, or what to do
    source: str = "curated"  # curated | table-2024 | table-2025 | signature
    backends: list[str] = field(default_factory=list)  # where this target is known to run
    casts: dict | None = None  # dtypes the MindSpore kernel lacks: computed via others (rewrite/casts.py)
    #: the rank of a batched input where PyTorch also takes it unbatched (F.max_pool2d of (C, H, W)) and the
    #: MindSpore function wants the batch: the call goes through msdev's `unbatched` wrapper
    unbatched: int | None = None

    @property
    def hand_mapped(self) -> bool:
        return self.source == "curated"

    def differing_args(self) -> list[ArgSpec]:
        return [a for a in self.args.values() if a.differs()]


@dataclass(slots=True)
class Entry:
    api: str
    kind: str
    summary: str
    targets: dict[str, Target]
    note_url: str | None = None
    params: list[str] | None = None  # PyTorch positional order
    #: a layer's forward parameters, PyTorch's names in order, where MindSpore's construct names them
    #: otherwise (`m(input=x)` is passed by position: Dense's construct takes `x`)
    forward: list[str] | None = None
    returns: str = "tensor"
    verified: list[dict[str, Any]] = field(default_factory=list)
    example: dict[str, Any] | None = None
    official: dict[str, Any] = field(default_factory=dict)
    file: str = ""
    line: int = 0

    def target(self, profile: str = "portable") -> Target:
        return self.targets.get(profile) or self.targets["portable"]

    def status(self, profile: str = "portable") -> Status:
        return self.target(profile).status

    @property
    def namespace(self) -> str:
        return namespace_of(self.api)

    @property
    def doc_url(self) -> str | None:
        """The official difference note, else the MindSpore API page of the portable target."""
        if self.note_url:
            return self.note_url
        api = self.targets["portable"].api if "portable" in self.targets else None
        return mindspore_api_page(api) if api else None

    def verification(self, profile: str = "portable") -> dict[str, Any] | None:
        """The newest verification record for a profile, if any."""
        recs = [r for r in self.verified if r.get("profile", "portable") == profile]
        return recs[-1] if recs else None


def namespace_of(api: str) -> str:
    """The database file stem an API belongs in (torch, tensor, nn, nn_functional, …)."""
    for prefix, ns in NAMESPACE_PREFIXES:
        if api == prefix or api.startswith(prefix + "."):
            return ns
    return "torch"


NAMESPACE_PREFIXES = (
    ("torch.Tensor", "tensor"),
    ("torch.nn.functional", "nn_functional"),
    ("torch.nn.init", "nn"),
    ("torch.nn.utils", "nn"),
    ("torch.nn", "nn"),
    ("torch.optim", "optim"),
    ("torch.utils.data", "data"),
    ("torchvision", "data"),
    ("torchaudio", "data"),
    ("torchtext", "data"),
    ("torch.distributed", "distributed"),
    ("torch.distributions", "distributions"),
    ("torch.cuda", "device"),
    ("torch.backends", "device"),
    ("torch.autograd", "autograd"),
    ("torch.linalg", "linalg"),
    ("torch.fft", "linalg"),
    ("torch.special", "linalg"),
    ("torch.utils", "utils"),
    ("torch.jit", "utils"),
    ("torch.hub", "utils"),
)


def mindspore_api_page(api: str) -> str:
    """MindSpore's API reference page for a dotted name (their URL scheme, not their text)."""
    parts = api.split(".")
    base = "https://www.mindspore.cn/docs/en/master/api_python"
    if len(parts) > 2 and parts[1] == "Tensor":
        return f"{base}/mindspore/Tensor/{api}.html"
    if len(parts) <= 2 or parts[1] in ("Parameter", "experimental", "communication", "amp", "train"):
        return f"{base}/mindspore/{api}.html"
    section = parts[1]
    if section == "dataset" and len(parts) > 3 and parts[2] in ("vision", "audio", "text", "transforms"):
        section = f"dataset_{parts[2]}"
    return f"{base}/{section}/{api}.html"
