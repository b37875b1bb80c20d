"""One phrase for an entry's verification state, shared by hover, `db show` and the scan reports."""

from __future__ import annotations

from .model import Entry


def _short_version(v: str | None) -> str:
    return ".".join(str(v).split(".")[:2]) if v else ""


def verification_state(entry: Entry, profile: str = "portable") -> tuple[str, str]:
    """(state, text): state is verified | fails | not-verified; text reads
    "verified on MindSpore 2.10 CPU", "fails on CPU: <reason>" or "not verified"."""
    target = entry.target(profile)
    latest: dict[str, dict] = {}
    for rec in entry.verified:
        if rec.get("profile", "portable") == target.profile and rec.get("result") in ("pass", "fail"):
            latest[str(rec.get("backend", "?"))] = rec  # newest last
    fails = [(b, r) for b, r in sorted(latest.items()) if r["result"] == "fail"]
    if fails:
        b, r = fails[0]
        reason = str(r.get("reason") or "no reason recorded")
        return "fails", f"fails on {b}: {reason[:120]}"
    passes = sorted(latest.items())
    if passes:
        parts = [f"MindSpore {_short_version(r.get('mindspore'))} {b}".replace("  ", " ").strip() for b, r in passes]
        return "verified", "verified on " + ", ".join(p.replace("MindSpore  ", "") for p in parts)
    return "not-verified", "not verified"
