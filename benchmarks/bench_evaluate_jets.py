"""Wall time of ``hepzoo evaluate`` on the JetNet150 demo files beside jetnet 0.2.5's functions on the same arrays.

Run: ``python benchmarks/bench_evaluate_jets.py`` (makes the files in --data first if they are
missing: 10,000 jets of ``epic-gan/jetnet150-top`` and 5,000 Pythia reference jets of JetNet's
documented recipe, the files the evaluation-speed goal was set on; the reference takes minutes). Times the command a
user runs (five metrics, truth-vs-truth floor, plots) as wall and CPU seconds (user + system, the
plotting process included: on a shared machine the CPU time is the steadier figure, and wall /
CPU shows how much of the machine the run got), then, when jetnet is installed, jetnet's
w1m/w1p/w1efp/fpd/kpd with the same seeds on the same arrays, and prints every number side by
side with the largest difference and both times. ``--compare OLD/metrics.json`` also prints the
difference to an earlier run's numbers (another checkout's ``hepzoo evaluate`` of the same files).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

SCALAR = ("w1m", "fpd", "kpd")


def _hepzoo(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("hepzoo")), *args]


def _make_demo_files(data: Path) -> tuple[Path, Path]:
    """The JetNet150 demo files (10,000 generated, 5,000 reference jets), made once."""
    data.mkdir(parents=True, exist_ok=True)
    ref, gen = data / "reference.h5", data / "generated.h5"
    if not ref.exists():
        make = (
            "data",
            "make",
            "jetnet150-top",
            "-n",
            "5000",
            "--seed",
            "2",
            "--workers",
            "2",
            "--set",
            "detector=cms",
            "--set",
            "radius=0.8",
            "-o",
            str(ref),
        )
        subprocess.run(_hepzoo(*make), check=True)
    if not gen.exists():
        subprocess.run(
            _hepzoo("sample", "epic-gan/jetnet150-top", "-n", "10000", "--seed", "1", "-o", str(gen)),
            check=True,
        )
    return gen, ref


def _load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _child_cpu() -> float:
    """CPU seconds used by finished child processes (wall time alone means little on a shared machine)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _flat(result: dict) -> dict[str, np.ndarray]:
    """``{"gen_vs_reference/w1p": values, ...}`` from a metrics.json-like dict (value and error)."""
    out = {}
    for part in ("gen_vs_reference", "truth_vs_truth"):
        for name, entry in result.get(part, {}).items():
            out[f"{part}/{name}"] = np.atleast_1d(np.asarray(entry["value"], dtype=float))
            out[f"{part}/{name} error"] = np.atleast_1d(np.asarray(entry["error"], dtype=float))
    return out


def _jetnet_numbers(gen_path: Path, ref_path: Path, seed: int, n: int | None) -> tuple[dict, float, float]:
    """jetnet 0.2.5's five metrics, gen vs reference and truth vs truth, as ``hepzoo evaluate`` draws them."""
    import jetnet.evaluation.gen_metrics as gm

    from hepzoo.data.jetnet_io import read_jetnet

    def arrays(path: Path) -> np.ndarray:
        s = read_jetnet(path)[:n] if n else read_jetnet(path)
        return np.where(s.mask[..., None], s.x.astype(np.float64), 0.0)

    real, gen = arrays(ref_path), arrays(gen_path)
    perm = np.random.default_rng(seed).permutation(len(real))  # hepzoo's truth split
    half = len(perm) // 2
    a, b = real[np.sort(perm[:half])], real[np.sort(perm[half : 2 * half])]
    start, cpu = time.perf_counter(), time.process_time()
    result: dict = {}
    feats = {}
    for key, x in (("real", real), ("gen", gen)):
        feats[key] = gm.get_fpd_kpd_jet_features(x, efp_jobs=1)
    perm_feats = feats["real"][np.sort(perm[:half])], feats["real"][np.sort(perm[half : 2 * half])]
    for part, (r, g, fr, fg, s) in {
        "gen_vs_reference": (real, gen, feats["real"], feats["gen"], seed),
        "truth_vs_truth": (a, b, *perm_feats, seed + 1),
    }.items():
        out = result[part] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, fn in (
                ("w1m", gm.w1m),
                ("w1p", gm.w1p),
                ("w1efp", lambda x, y: gm.w1efp(x, y, efp_jobs=1)),
            ):
                gm.rng = np.random.default_rng(
                    s
                )  # jetnet's module-level generator, seeded as hepzoo seeds its own
                value, error = fn(r, g)
                out[name] = {"value": np.asarray(value).tolist(), "error": np.asarray(error).tolist()}
            for name, fn in (("fpd", gm.fpd), ("kpd", gm.kpd)):
                value, error = fn(fr, fg)
                out[name] = {"value": float(value), "error": float(error)}
    return result, time.perf_counter() - start, time.process_time() - cpu


def _diff_table(ours: dict, theirs: dict, label: str) -> float:
    """Print the largest absolute and relative difference per entry; return the largest relative one."""
    a, b = _flat(ours), _flat(theirs)
    print(f"\n| quantity | hepzoo | {label} | max abs diff | max rel diff |")
    print("|---|---|---|---|---|")
    worst = 0.0
    for key in a:
        if key not in b:
            continue
        diff = np.abs(a[key] - b[key])
        rel = float(np.max(diff / np.maximum(np.abs(b[key]), 1e-300)))
        worst = max(worst, rel) if not key.endswith("error") else worst
        fmt = lambda v: ", ".join(f"{x:.6g}" for x in v)  # noqa: E731
        print(f"| {key} | {fmt(a[key])} | {fmt(b[key])} | {diff.max():.1e} | {rel:.1e} |")
    return worst


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--data", type=Path, default=Path("/tmp/hepzoo-demo"), help="where the demo files are (or go)"
    )
    p.add_argument("--out", type=Path, default=Path("/tmp/hepzoo-demo/evaluation"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--compare", type=Path, help="metrics.json of an earlier run on the same files")
    p.add_argument("--no-jetnet", action="store_true", help="time hepzoo only")
    p.add_argument(
        "--max-events", type=int, help="the first N jets of each file (hepzoo evaluate --max-events)"
    )
    args = p.parse_args(argv)
    gen, ref = _make_demo_files(args.data)
    print(f"{gen} vs {ref}; {os.cpu_count()} CPUs, load before: {_load()}")
    start, cpu = time.perf_counter(), _child_cpu()
    cmd = _hepzoo(
        "evaluate", str(gen), "--reference", str(ref), "-o", str(args.out), "--seed", str(args.seed)
    )
    cmd += ["--max-events", str(args.max_events)] if args.max_events else []
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    t_ours, cpu_ours = time.perf_counter() - start, _child_cpu() - cpu
    ours = json.loads((args.out / "metrics.json").read_text())
    print(
        f"hepzoo evaluate: {t_ours:.1f} s wall, {cpu_ours:.1f} s CPU (user + system; load after: {_load()})"
    )
    print(f"steps, each its own wall seconds (they overlap) [s]: {ours.get('seconds_by_step')}")
    if args.compare:
        worst = _diff_table(ours, json.loads(args.compare.read_text()), str(args.compare))
        print(f"largest relative difference of a value to {args.compare}: {worst:.1e}")
    if args.no_jetnet:
        return
    try:
        import jetnet  # noqa: F401
    except ImportError:
        print("jetnet is not installed: its timing is skipped (pip install jetnet==0.2.5)")
        print(f"\nhepzoo evaluate {t_ours:.1f} s wall / {cpu_ours:.1f} s CPU; jetnet: not measured")
        return
    theirs, t_theirs, cpu_theirs = _jetnet_numbers(gen, ref, args.seed, args.max_events)
    print(f"\njetnet 0.2.5, same metrics and seeds (EFPs with efp_jobs=1, no plots): {t_theirs:.1f} s wall,")
    print(f"{cpu_theirs:.1f} s CPU (load after: {_load()})")
    worst = _diff_table(ours, theirs, "jetnet 0.2.5")
    print(f"\nhepzoo evaluate {t_ours:.1f} s wall / {cpu_ours:.1f} s CPU; jetnet {t_theirs:.1f} s wall /")
    print(f"{cpu_theirs:.1f} s CPU; largest relative difference of a value {worst:.1e}")


if __name__ == "__main__":
    main()
