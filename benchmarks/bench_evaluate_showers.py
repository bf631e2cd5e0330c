"""CaloChallenge high-level features and separation powers: hepzoo vs the challenge's own code, time and numbers.

Run: ``python benchmarks/bench_evaluate_showers.py GEN.h5 REF.h5 [--n 10000]``. "new" is hepzoo
(threshold, features of both samples, every separation power); "old" is the challenge's
``HighLevelFeatures.CalculateFeatures`` plus its plotting helpers' histograms and separation
powers (drawing skipped), found as ``hepzoo.testing.calochallenge_official`` finds it. Both read
the same first ``--n`` showers; the script prints both times (wall and CPU: on a shared machine
the CPU seconds are what an idle one would take) and the largest difference between their
separation powers (0 when the numbers are identical).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

from hepzoo.data.calochallenge_io import read_calochallenge, write_calochallenge
from hepzoo.data.showers.geometry import Geometry
from hepzoo.metrics.shower_features import high_level_features, min_energy
from hepzoo.metrics.showers import apply_threshold, separation_powers
from hepzoo.testing.calochallenge_official import official_code_dir, official_separation_powers


def hepzoo_separation_powers(gen, ref, geometry: Geometry) -> dict[str, float]:
    cut = min_energy(geometry)
    gx, rx = apply_threshold(gen.x, cut), apply_threshold(ref.x, cut)
    fg = high_level_features(gx, gen.cond["energy"], geometry)
    fr = high_level_features(rx, ref.cond["energy"], geometry)
    return separation_powers(fg, fr, geometry, gx, rx)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("gen")
    p.add_argument("reference")
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args(argv)
    geometry = Geometry.named("ds2")
    start = time.perf_counter()
    gen, ref = read_calochallenge(args.gen, stop=args.n), read_calochallenge(args.reference, stop=args.n)
    print(f"read {len(gen)} + {len(ref)} DS2 showers in {time.perf_counter() - start:.1f} s")
    new_time, new_cpu, new = np.inf, np.inf, {}
    for _ in range(args.repeats):
        start, cpu = time.perf_counter(), time.process_time()
        new = hepzoo_separation_powers(gen, ref, geometry)
        new_time, new_cpu = min(new_time, time.perf_counter() - start), min(new_cpu, time.process_time() - cpu)
    print(f"new (hepzoo): {len(new)} separation powers in {new_time:.1f} s wall, {new_cpu:.1f} s CPU (best of {args.repeats})")
    code = official_code_dir()
    if code is None:
        print("old: the challenge's code is not present; set HEPZOO_CALOCHALLENGE_CODE to its code/ folder")
        return
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for name, s in (("gen", gen), ("ref", ref)):  # the same showers for both, in the challenge's layout
            files.append(write_calochallenge(Path(tmp) / f"{name}.h5", s))
            with h5py.File(files[-1]) as f:
                assert np.array_equal(f["showers"][:], s.x)
        start, cpu = time.perf_counter(), time.process_time()
        old = official_separation_powers(code, files[1], files[0], tmp)
        old_time, old_cpu = time.perf_counter() - start, time.process_time() - cpu
    worst = max(abs(new[k] - old[k]) for k in old)
    print(f"old (the challenge's code): {len(old)} separation powers in {old_time:.1f} s wall, {old_cpu:.1f} s CPU")
    print(f"largest |new - old| over its {len(old)} separation powers: {worst:.3g}; "
          f"speed-up {old_cpu / new_cpu:.1f}x in CPU time")


if __name__ == "__main__":
    main()
