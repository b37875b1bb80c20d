"""The one data model every surface shares: a Finding, and the Fix that may come with it.

The language server, `msdev scan`, `msdev convert` and `msdev db verify` all consume these
objects; nothing downstream re-derives positions or statuses on its own.

Positions: lines are 1-based, columns 0-based and counted in Unicode code points (the LSP
layer converts to UTF-16 where a line is not ASCII).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .rules.api_rules import API_RULES
from .rules.statement_rules import STATEMENT_RULES


class Status(StrEnum):
    """How far a PyTorch API is from its MindSpore counterpart (ordered by effort)."""

    IDENTICAL = "identical"  # same name, same arguments: only the namespace changes
    RENAMED = "renamed"  # different name, same arguments
    ARG_DIFF = "arg-diff"  # arguments renamed, reordered, dropped or transformed
    DEFAULT_DIFF = "default-diff"  # same arguments, a default differs
    PARTIAL = "partial"  # some uses convert, some argument values have no counterpart
    MANUAL = "manual"  # a counterpart exists but a human must rewrite the use
    UNSUPPORTED = "unsupported"  # MindSpore has no counterpart
    UNKNOWN = "unknown"  # a PyTorch use the database has no entry for


#: statuses whose uses msdev rewrites automatically (migration readiness counts these)
AUTOMATIC = frozenset({Status.IDENTICAL, Status.RENAMED, Status.ARG_DIFF, Status.DEFAULT_DIFF})

#: severity order, used by `--fail-on` and by report sorting
STATUS_RANK = {
    Status.IDENTICAL: 0,
    Status.RENAMED: 1,
    Status.DEFAULT_DIFF: 2,
    Status.ARG_DIFF: 3,
    Status.PARTIAL: 4,
    Status.MANUAL: 5,
    Status.UNKNOWN: 6,
    Status.UNSUPPORTED: 7,
}


class Kind(StrEnum):
    """Where in the code the PyTorch API appears."""

    CALL = "call"  # torch.cat(...), nn.Conv2d(...)
    REFERENCE = "reference"  # conv = nn.Conv2d; isinstance(m, nn.BatchNorm2d); dtype=torch.float32
    BASE_CLASS = "base-class"  # class Net(nn.Module)
    DECORATOR = "decorator"  # @torch.no_grad()
    TENSOR_METHOD = "tensor-method"  # x.view(...)
    TENSOR_ATTRIBUTE = "tensor-attribute"  # x.shape, w.data
    MODULE_METHOD = "module-method"  # self.modules(), model.parameters()
    LAYER_ATTRIBUTE = "layer-attribute"  # bn.running_mean where bn is known to be a BatchNorm2d


#: kinds found on a receiver (the text before the dot is user code, not an imported name)
MEMBER_KINDS = frozenset({Kind.TENSOR_METHOD, Kind.TENSOR_ATTRIBUTE, Kind.MODULE_METHOD, Kind.LAYER_ATTRIBUTE})


class Confidence(StrEnum):
    CERTAIN = "certain"  # resolved through imports, or the receiver is provably a tensor
    LIKELY = "likely"  # the receiver is probably a tensor (e.g. an argument of forward)


@dataclass(frozen=True, slots=True)
class Rule:
    """A stable rule id, shown as the diagnostic code and the SARIF rule."""

    code: str
    name: str
    description: str


#: the rule of each status and the statement-level rules (training loops, data pipelines,
#: device/runtime, run-time hazards: a finding with `pattern` set carries one of these codes),
#: both read from the rule registry (msdev.rules), which holds their documentation.
RULES: dict[Status, Rule] = {Status(r.status): Rule(r.code, r.name, r.summary) for r in API_RULES}
PATTERN_RULES: dict[str, Rule] = {r.code: Rule(r.code, r.name, r.summary) for r in STATEMENT_RULES}


@dataclass(frozen=True, slots=True)
class Position:
    line: int  # 1-based
    column: int  # 0-based, code points


@dataclass(slots=True)
class TextEdit:
    """Replace the text between two positions (end exclusive) with `new_text`."""

    start: Position
    end: Position
    new_text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": [self.start.line, self.start.column],
            "end": [self.end.line, self.end.column],
            "new_text": self.new_text,
        }


@dataclass(frozen=True, slots=True)
class ImportNeed:
    """An import the fixed code needs: `import module [as alias]` or `from module import name [as alias]`."""

    module: str
    name: str | None = None
    alias: str | None = None

    def statement(self) -> str:
        if self.name is None:
            return f"import {self.module}" + (f" as {self.alias}" if self.alias else "")
        return f"from {self.module} import {self.name}" + (f" as {self.alias}" if self.alias else "")


@dataclass(slots=True)
class Fix:
    """The rewrite of one finding. `safe` means the result is known to behave the same."""

    title: str
    edits: list[TextEdit]
    imports: list[ImportNeed] = field(default_factory=list)
    safe: bool = True
    notes: list[str] = field(default_factory=list)  # what the rewrite changed that a user should know


class Applicability(StrEnum):
    """How a fix may be applied (ruff's model)."""

    SAFE = "safe"  # keeps behaviour: fix-all applies it
    UNSAFE = "unsafe"  # changes behaviour a user should review: offered one by one
    DISPLAY_ONLY = "display-only"  # shown, never applied


@dataclass(slots=True)
class Verdict:
    """The rewriter's decision on one finding (rewrite/verdict.py): its fix, or why there is none."""

    applicability: Applicability | None  # None: no fix
    reason: str = ""  # why there is no fix (empty when there is one)
    notes: list[str] = field(default_factory=list)  # what the fix changed that a user should know

    @property
    def fixable(self) -> bool:
        return self.applicability is not None


@dataclass(slots=True)
class Finding:
    """One PyTorch use in a file."""

    line: int
    column: int
    end_line: int
    end_column: int
    torch_api: str
    kind: Kind
    confidence: Confidence
    status: Status
    mindspore_api: str | None = None
    note_url: str | None = None
    message: str = ""
    entry: Any = None  # the db Entry (not serialised)
    fix: Fix | None = None
    node: Any = None  # the ast node (not serialised; used by the rewriter)
    pattern: str | None = None  # a PATTERN_RULES code for statement-level findings
    verdict: Verdict | None = None  # the fix msdev makes, or why not (None: not decided yet)
    detail: str = ""  # a statement-level finding's own words, without the "api (code name): " head
    writes_input: bool = False  # a layer call that overwrites its first input (built with inplace=True)

    @property
    def explanation(self) -> str:
        """What the finding says about this use (the message without its head)."""
        return self.detail or self.message

    @property
    def rule(self) -> Rule:
        return PATTERN_RULES[self.pattern] if self.pattern else RULES[self.status]

    @property
    def automatic(self) -> bool:
        """Whether msdev converts this use: the rewriter's verdict when decided, else the status's promise."""
        if self.verdict is not None:
            return self.verdict.fixable
        return self.status in AUTOMATIC

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "torch_api": self.torch_api,
            "kind": str(self.kind),
            "status": str(self.status),
            "mindspore_api": self.mindspore_api,
            "confidence": str(self.confidence),
            "note_url": self.note_url,
            "message": self.message,
            "rule": self.rule.code,
            **({"pattern": self.pattern} if self.pattern else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        return cls(
            line=data["line"],
            column=data["column"],
            end_line=data["end_line"],
            end_column=data["end_column"],
            torch_api=data["torch_api"],
            kind=Kind(data["kind"]),
            confidence=Confidence(data["confidence"]),
            status=Status(data["status"]),
            mindspore_api=data.get("mindspore_api"),
            note_url=data.get("note_url"),
            message=data.get("message", ""),
            pattern=data.get("pattern"),
        )


@dataclass(slots=True)
class FileResult:
    """The findings of one file, or why it could not be analysed."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    lines: int = 0
