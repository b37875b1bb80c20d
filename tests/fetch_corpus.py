"""Fetch the reference corpus: real PyTorch packages nobody on this project wrote, as .py files only.

Usage: python tests/fetch_corpus.py [DEST]   (default: $MSDEV_CORPUS, else ~/.cache/msdev/corpus)

The tests that read it skip without it and say so; the versions are pinned so figures stay
comparable between runs. DEST/MANIFEST.tsv marks a complete download.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGES = ["timm==1.0.31", "torchvision==0.29.1", "efficientnet-pytorch==0.7.1", "pretrainedmodels==0.7.4",
            "segmentation-models-pytorch==0.6.0"]


def fetch(spec: str, dest: Path) -> None:
    """Download one pinned distribution and keep its non-test .py files under dest/<name>."""
    name = spec.split("==")[0]
    target = dest / name
    if target.is_dir():
        return
    with tempfile.TemporaryDirectory() as tmp:
        pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp]
        # only torchvision's Python files are kept, so a wheel for any platform serves
        extra = ["--only-binary=:all:", "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64"]
        if name != "torchvision" or subprocess.run(pip + extra + [spec]).returncode != 0:
            subprocess.run(pip + [spec], check=True)
        archive = next(Path(tmp).iterdir())
        unpacked = Path(tmp) / "unpacked"
        if archive.suffix in (".whl", ".zip"):
            zipfile.ZipFile(archive).extractall(unpacked)
        else:
            tarfile.open(archive).extractall(unpacked, filter="data")
        for py in unpacked.rglob("*.py"):
            rel = py.relative_to(unpacked)
            if {"tests", "test"} & set(rel.parts[:-1]):
                continue
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            (target / rel).write_bytes(py.read_bytes())


def main() -> int:
    default = os.environ.get("MSDEV_CORPUS", Path.home() / ".cache" / "msdev" / "corpus")
    dest = Path(sys.argv[1] if len(sys.argv) > 1 else default).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    rows = ["package\tfiles\tlines"]
    for spec in PACKAGES:
        fetch(spec, dest)
        files = list((dest / spec.split("==")[0]).rglob("*.py"))
        lines = sum(f.read_bytes().count(b"\n") for f in files)
        rows.append(f"{spec}\t{len(files)}\t{lines}")
    (dest / "MANIFEST.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    print("\n".join(rows))
    print(f"corpus ready in {dest}" + ("" if "MSDEV_CORPUS" in os.environ else f" (export MSDEV_CORPUS={dest})"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
