"""Peak memory of ``hepzoo sample`` vs the number of events: batches stream to the file, so it stays flat.

Run: ``python benchmarks/bench_sample_memory.py epic-gan/jetnet150-top --n 2000 8000 32000``.
Each run is a fresh process (its peak resident set, ``ru_maxrss``); "streamed" is the command
(``Model.sample_batches`` -> the streaming JetNet writer), "in memory" is ``Model.sample(n).save``,
which holds every event, for comparison. ``--batch-size`` (default 1000) is well below ``n`` so
that the streamed peak is one batch's, whatever ``n``.

Measured (epic-gan/jetnet150-top, batch size 1000, one thread on a 2-core machine shared with
other jobs, so the seconds are loose):

| events | streamed (hepzoo sample) | in memory (sample + save) |
|---:|---:|---:|
| 2000 | 323 MB | 322 MB |
| 8000 | 329 MB | 392 MB |
| 32000 | 324 MB | 657 MB |
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IN_MEMORY = """
import sys, torch, hepzoo
torch.set_num_threads(1)
model = hepzoo.load(sys.argv[1])
model.sample(int(sys.argv[2]), seed=1, device="cpu", batch_size=int(sys.argv[4])).save(sys.argv[3])
"""


def peak_mb(command: list[str]) -> tuple[float, float]:
    """(peak resident MB, seconds) of one child process, from its own rusage (os.wait4)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed with exit status {child.returncode}")
    return usage.ru_maxrss / 1024, time.perf_counter() - start


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("--n", type=int, nargs="+", default=[2000, 8000, 32000])
    p.add_argument("--batch-size", type=int, default=1000)
    p.add_argument("--mode", choices=("streamed", "in-memory", "both"), default="both")
    args = p.parse_args(argv)
    hepzoo = str(Path(sys.executable).with_name("hepzoo"))
    print(f"{args.model}, CPU, one thread, batch size {args.batch_size}; peak resident memory of a fresh process\n")
    print("| events | mode | peak MB | seconds |")
    print("|---:|---|---:|---:|")
    modes = ("streamed", "in-memory") if args.mode == "both" else (args.mode,)
    with tempfile.TemporaryDirectory() as tmp:
        for mode in modes:
            for n in sorted(args.n):
                out = str(Path(tmp) / f"{mode}-{n}.h5")
                if mode == "streamed":
                    cmd = [hepzoo, "sample", args.model, "-n", str(n), "-o", out, "--seed", "1", "--device", "cpu",
                           "--batch-size", str(args.batch_size), "-q"]
                else:
                    cmd = [sys.executable, "-c", IN_MEMORY, args.model, str(n), out, str(args.batch_size)]
                mb, seconds = peak_mb(["env", "OMP_NUM_THREADS=1", *cmd])
                print(f"| {n} | {mode} | {mb:,.0f} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
