"""What a scan adds up to: counts by status and kind, migration readiness, per-API totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from ..findings import STATUS_RANK, FileResult, Kind, Status

#: statuses in report order (least effort first)
STATUS_ORDER: tuple[Status, ...] = tuple(sorted(Status, key=lambda s: STATUS_RANK[s]))
#: statuses a human must look at, shown as "manual" in the summary's top list
NEEDS_HUMAN = frozenset({Status.MANUAL, Status.PARTIAL})


@dataclass(slots=True)
class ApiStat:
    """One PyTorch API across the whole scan."""

    torch_api: str
    status: Status
    mindspore_api: str | None
    note_url: str | None
    message: str = ""  # what differs, or why there is no counterpart (same for every use)
    uses: int = 0
    files: int = 0
    verification: str = "not verified"  # from `msdev db verify` records: "verified on MindSpore 2.10 CPU", …

    def to_dict(self) -> dict[str, Any]:
        return {"torch_api": self.torch_api, "status": str(self.status), "mindspore_api": self.mindspore_api,
                "note_url": self.note_url, "message": self.message, "uses": self.uses, "files": self.files,
                "verification": self.verification}


@dataclass(slots=True)
class Summary:
    files: int = 0  # every path in the report, including those with an error
    files_with_findings: int = 0
    files_with_errors: int = 0
    lines: int = 0
    uses: int = 0
    automatic: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    apis: list[ApiStat] = field(default_factory=list)  # most used first

    @property
    def readiness(self) -> float | None:
        """Share of uses msdev converts automatically, as `msdev convert` decides it (None when
        there is no use at all)."""
        return self.automatic / self.uses if self.uses else None

    def top(self, statuses: Iterable[Status], n: int = 10) -> list[ApiStat]:
        wanted = set(statuses)
        return [a for a in self.apis if a.status in wanted][:n]

    def to_dict(self) -> dict[str, Any]:
        readiness = self.readiness
        return {
            "files": self.files,
            "files_with_findings": self.files_with_findings,
            "files_with_errors": self.files_with_errors,
            "lines": self.lines,
            "uses": self.uses,
            "automatic": self.automatic,
            "readiness": None if readiness is None else round(readiness, 4),
            "by_status": dict(self.by_status),
            "by_kind": dict(self.by_kind),
            "apis": [a.to_dict() for a in self.apis],
        }


def summarize(files: list[FileResult], verification: dict[str, str] | None = None) -> Summary:
    """Totals over the files; `verification` maps an API to its verification phrase."""
    s = Summary(files=len(files))
    by_status = dict.fromkeys((str(st) for st in STATUS_ORDER), 0)
    by_kind = dict.fromkeys((str(k) for k in Kind), 0)
    apis: dict[str, ApiStat] = {}
    for fr in files:
        s.lines += fr.lines
        if fr.error is not None:
            s.files_with_errors += 1
        if not fr.findings:
            continue
        s.files_with_findings += 1
        seen_here: set[str] = set()
        for f in fr.findings:
            by_status[f.status] += 1
            if f.automatic:  # the rewriter's verdict: what `msdev convert` converts
                s.automatic += 1
            by_kind[f.kind] += 1
            stat = apis.get(f.torch_api)
            if stat is None:
                stat = apis[f.torch_api] = ApiStat(f.torch_api, f.status, f.mindspore_api, f.note_url, f.message)
                if verification and f.torch_api in verification:
                    stat.verification = verification[f.torch_api]
            stat.uses += 1
            if f.torch_api not in seen_here:
                seen_here.add(f.torch_api)
                stat.files += 1
    s.by_status = by_status
    s.by_kind = by_kind
    s.uses = sum(by_status.values())
    s.apis = sorted(apis.values(), key=lambda a: (-a.uses, a.torch_api))
    return s
