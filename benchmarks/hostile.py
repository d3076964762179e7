"""What hostile input costs: the time to skip a gigabyte of blank JSON lines (and a gzip bomb
of zeros), and the peak memory reading an index file that inflates to 3 GB (refused).

    python benchmarks/hostile.py [--gigabytes 1] [--index-gigabytes 3] [--json PATH]

Each measurement runs in a process of its own, reading the input with the package's reader
(``read_pages``) or loader (``SiteIndex.load``); its CPU time (user + system) and peak RSS are
read exactly from ``wait4``, so they hold on a busy machine. The peer for skipping lines is the
line-by-line loop the reader had before (``readline`` with a bound, then ``strip``), run in the
same way on the same file; the baseline for memory is a process that only imports the package.
The inputs are generated into a temporary folder (a 1 GB file of blank lines, about 1 MB
gzipped, and the others: a few MB on disk) and removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1 << 20

#: Each is run as ``python -c CODE PATH``.
READ = """
import sys
from classifier.io.readers import read_pages
pages = list(read_pages([sys.argv[1]]))
print(len(pages), pages[0].error if pages else "")
"""
PEER = """
import gzip, sys
opened = gzip.open if sys.argv[1].endswith(".gz") else open
with opened(sys.argv[1], "rb") as stream:
    lines = 0
    while line := stream.readline(120 * 1024 * 1024 + 1):
        lines += bool(line.strip())
print(lines)
"""
LOAD = """
import sys
from classifier.index_file import IndexFileError
from classifier.recurrence import SiteIndex
try:
    SiteIndex.load(sys.argv[1])
    print("loaded")
except IndexFileError as error:
    print(error)
"""
IMPORT = """
import sys
from classifier.recurrence import SiteIndex
print(SiteIndex)
"""


def measure(code: str, path: Path) -> dict:
    """CPU seconds, peak RSS (MB) and the first output line of ``python -c code path``."""
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=out,
                                   stderr=subprocess.DEVNULL,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
        _, status, usage = os.wait4(process.pid, 0)
        out.seek(0)
        said = out.read().decode(errors="replace").strip()
    return {"cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_mb": round(usage.ru_maxrss / 1024), "exit": os.waitstatus_to_exitcode(status),
            "said": said[:160]}


def write_repeated(path: Path, unit: bytes, total: int, packed: bool, tail: bytes = b"") -> None:
    """``total`` bytes of ``unit`` repeated (then ``tail``), gzipped when ``packed``, written
    a megabyte at a time."""
    block = unit * (MB // len(unit))
    packer = zlib.compressobj(6, zlib.DEFLATED, 31) if packed else None
    with open(path, "wb") as out:
        for _ in range(total // len(block)):
            out.write(packer.compress(block) if packer else block)
        out.write(packer.compress(tail) + packer.flush() if packer else tail)


def index_bomb(path: Path, gigabytes: float) -> None:
    """A site index whose ``header.json`` inflates to ``gigabytes`` of blanks (a few MB)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("header.json", "w", force_zip64=True) as member:
            block = b" " * MB
            for _ in range(int(gigabytes * 1024)):
                member.write(block)
        archive.writestr("arrays.npz", b"")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0,
                        help="size of the blank-line and zero inputs, inflated")
    parser.add_argument("--index-gigabytes", type=float, default=3.0,
                        help="what the hostile index file's header inflates to")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    size = int(args.gigabytes * 1024) * MB
    record = json.dumps({"id": "after", "text": "One line of text after the blanks."}).encode()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="hostile-") as folder:
        base = Path(folder)
        inputs = {
            "blank lines": (base / "blank.jsonl", b"\n", False, record + b"\n"),
            "blank lines, gzipped": (base / "blank.jsonl.gz", b"\n", True, record + b"\n"),
            "zeros, gzipped": (base / "zeros.jsonl.gz", b"\0", True, b""),
        }
        for name, (path, unit, packed, tail) in inputs.items():
            write_repeated(path, unit, size, packed, tail)
            results[name] = {"file_mb": round(path.stat().st_size / MB, 1),
                             "ours": measure(READ, path), "line by line": measure(PEER, path)}
            path.unlink()
        bomb = base / "bomb.index"
        index_bomb(bomb, args.index_gigabytes)
        results["index bomb"] = {"file_mb": round(bomb.stat().st_size / MB, 1),
                                 "ours": measure(LOAD, bomb),
                                 "import only": measure(IMPORT, bomb)}
    gigabytes = f"{args.gigabytes:g} GB"
    for name, result in results.items():
        ours = result["ours"]
        if name == "index bomb":
            print(f"index file of {result['file_mb']} MB inflating to {args.index_gigabytes:g} "
                  f"GB: refused in {ours['cpu_seconds']} s CPU, peak {ours['peak_mb']} MB "
                  f"(a process that only imports the package: {result['import only']['peak_mb']}"
                  f" MB); {ours['said']}")
            continue
        peer = result["line by line"]
        ratio = peer["cpu_seconds"] / max(ours["cpu_seconds"], 0.01)
        print(f"{name}, {gigabytes} ({result['file_mb']} MB on disk): {ours['cpu_seconds']} s "
              f"CPU, peak {ours['peak_mb']} MB; line by line {peer['cpu_seconds']} s, peak "
              f"{peer['peak_mb']} MB ({ratio:.1f}x ours); read: {ours['said']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
