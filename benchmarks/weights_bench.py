"""Convert a ResNet-50-sized checkpoint and compare time and peak memory with a plain file copy.

    python benchmarks/weights_bench.py [--keep DIR]

Needs torch only to write the input checkpoint (torch.save of ResNet-50's state-dict shapes,
random values). Each measured step runs in its own process; peak RSS is that process's ru_maxrss.
Targets (issue 8): conversion ≤ 2 s and peak RSS ≤ 1.5 × the checkpoint size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def resnet50_state_dict():
    import torch

    sd = {}

    def conv(name, cin, cout, k):
        sd[f"{name}.weight"] = torch.randn(cout, cin, k, k)

    def bn(name, c):
        sd[f"{name}.weight"] = torch.rand(c)
        sd[f"{name}.bias"] = torch.randn(c)
        sd[f"{name}.running_mean"] = torch.randn(c)
        sd[f"{name}.running_var"] = torch.rand(c) + 0.5
        sd[f"{name}.num_batches_tracked"] = torch.tensor(0)

    conv("conv1", 3, 64, 7)
    bn("bn1", 64)
    cin = 64
    for li, (blocks, width) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512)), start=1):
        for b in range(blocks):
            p = f"layer{li}.{b}"
            conv(f"{p}.conv1", cin, width, 1)
            bn(f"{p}.bn1", width)
            conv(f"{p}.conv2", width, width, 3)
            bn(f"{p}.bn2", width)
            conv(f"{p}.conv3", width, width * 4, 1)
            bn(f"{p}.bn3", width * 4)
            if b == 0:
                conv(f"{p}.downsample.0", cin, width * 4, 1)
                bn(f"{p}.downsample.1", width * 4)
            cin = width * 4
    sd["fc.weight"] = torch.randn(1000, 2048)
    sd["fc.bias"] = torch.randn(1000)
    return sd


def measure(cmd: list[str]) -> tuple[float, int]:
    """Wall time (s) and peak RSS (bytes) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss * 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep the files")
    ap.add_argument("--write", metavar="PTH", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.write:
        import torch
        torch.manual_seed(0)
        torch.save(resnet50_state_dict(), args.write)
        return 0
    work = Path(args.keep or tempfile.mkdtemp(prefix="msdev-weights-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / "resnet50.pth"
    if not src.exists():  # in a child, so this process stays small (ru_maxrss survives fork + exec)
        subprocess.run([sys.executable, __file__, "--write", str(src)], check=True)
    size = src.stat().st_size
    for f in (work / "copy.pth", work / "resnet50.ckpt"):
        f.unlink(missing_ok=True)
    py = sys.executable
    with src.open("rb") as fh:  # warm the page cache so both runs read from memory
        while fh.read(1 << 20):
            pass
    copy_t, copy_rss = measure([py, "-c", f"import shutil; shutil.copyfile({str(src)!r}, {str(work / 'copy.pth')!r})"])
    conv_t, conv_rss = measure([py, "-m", "msdev", "weights", "convert", str(src), "-o", str(work / "resnet50.ckpt")])
    print(f"checkpoint:        {size / 1e6:.1f} MB ({src})")
    print(f"plain copy:        {copy_t:.2f} s, peak RSS {copy_rss / 1e6:.1f} MB")
    print(f"msdev convert:     {conv_t:.2f} s, peak RSS {conv_rss / 1e6:.1f} MB")
    print(f"time ratio:        {conv_t / copy_t:.1f}x the copy (target: convert ≤ 2 s)")
    print(f"RSS / file size:   {conv_rss / size:.2f} (target ≤ 1.5); RSS ratio to the copy: {conv_rss / copy_rss:.2f}")
    ok = conv_t <= 2.0 and conv_rss <= 1.5 * size
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
