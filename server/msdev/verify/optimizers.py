"""`--optimizer SPEC`: one optimizer description built on both sides.

SPEC is `NAME[:key=value,...]`, e.g. `sgd:lr=0.01,momentum=0.9` or `adam:lr=1e-3,betas=0.9/0.99`.
PyTorch gets `torch.optim.<Class>`, MindSpore `mindspore.experimental.optim.<Class>`, which takes
PyTorch's argument names and update rules, so the same keywords mean the same on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import VerifyError

#: spec name → class name (identical in torch.optim and mindspore.experimental.optim)
CLASSES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad",
           "adadelta": "Adadelta", "adamax": "Adamax", "nadam": "NAdam", "radam": "RAdam"}
DEFAULT_SPEC = "sgd:lr=0.001"


@dataclass
class OptimizerSpec:
    name: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        opts = ",".join(f"{k}={v}" for k, v in self.options.items())
        return f"{self.name}:{opts}" if opts else self.name

    @classmethod
    def parse(cls, text: str) -> "OptimizerSpec":
        name, _, rest = text.partition(":")
        name = name.strip().lower()
        if name not in CLASSES:
            raise VerifyError(f"bad --optimizer {text!r}: unknown optimizer {name!r} ({', '.join(sorted(CLASSES))})")
        options: dict[str, Any] = {}
        for item in filter(None, (s.strip() for s in rest.split(","))):
            key, eq, value = item.partition("=")
            if not eq or not key.strip():
                raise VerifyError(f"bad --optimizer {text!r}: expected key=value, got {item!r}")
            options[key.strip()] = _value(value.strip(), text)
        options.setdefault("lr", 1e-3)
        return cls(name, options)

    def build_torch(self, params):
        import torch

        return self._build(getattr(torch.optim, CLASSES[self.name]), params)

    def build_mindspore(self, params):
        from mindspore.experimental import optim

        return self._build(getattr(optim, CLASSES[self.name]), params)

    def _build(self, klass, params):
        try:
            return klass(params, **self.options)
        except (TypeError, ValueError) as exc:
            raise VerifyError(f"--optimizer {self.text}: {klass.__module__}.{klass.__name__} refuses it: {exc}") from None


def _value(text: str, spec: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        if "/" in text:  # tuples such as betas=0.9/0.999
            return tuple(float(v) for v in text.split("/"))
        return int(text) if low.lstrip("-").isdigit() else float(text)
    except ValueError:
        raise VerifyError(f"bad --optimizer {spec!r}: {text!r} is not a number, bool or a/b tuple") from None
