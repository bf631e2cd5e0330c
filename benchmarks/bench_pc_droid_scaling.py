"""PC-Droid's cost vs the number of particles N and the batch size: the CAE's O(N M) against O(N^2).

One network call (the denoiser's backbone, authors' sizes, random initialisation: the cost does not
depend on the weights) on B jets of N real particles: jets/s and the peak memory the call adds.
Each point runs in a fresh process: on CPU the peak is the growth of its resident set
(``ru_maxrss``) over the call, on CUDA ``torch.cuda.max_memory_allocated`` over the call.
Then the time per jet of whole sampling runs on CPU: Heun with 50 steps (99 calls), DPM-Solver++(2M)
and the consistency-distilled CAE in 1, 3 and 5 steps, all random-initialised (timing only).

``nice -n 15 python benchmarks/bench_pc_droid_scaling.py --threads 1 --png docs/img/pc_droid_scaling.png``
(add ``--device cuda`` on a GPU machine; ``--no-samplers`` skips the sampling runs).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from hepzoo.atomic import atomic_path, atomic_write_text

POINT = "--point"
ATTENTIONS = ("cross", "full")
LABELS = {"cross": "CAE (pc-droid-cae)", "full": "full transformer (pc-droid)"}


def run_point(attention: str, n: int, batch: int, device: str, threads: int, min_seconds: float) -> dict:
    """One network call's jets/s and added peak memory (MB), measured in this process."""
    import torch

    from hepzoo_pc_droid.backbone import PcDroidTransformer
    from hepzoo_pc_droid.config import cae_backbone, full_backbone

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    dev = torch.device(device)
    net = PcDroidTransformer(cae_backbone() if attention == "cross" else full_backbone()).to(dev).eval()
    x = torch.randn(batch, n, 3, device=dev)
    cond = torch.randn(batch, 9, device=dev)
    mask = torch.ones(batch, n, dtype=torch.bool, device=dev)
    sigma = torch.ones(batch, device=dev)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    with torch.no_grad():
        if dev.type == "cuda":
            net(x, sigma, cond, mask)  # kernels and the allocator's pools first
            sync()
            torch.cuda.reset_peak_memory_stats(dev)
            base = torch.cuda.memory_allocated(dev)
            net(x, sigma, cond, mask)
            sync()
            peak = (torch.cuda.max_memory_allocated(dev) - base) / 2**20
        else:
            base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            net(x, sigma, cond, mask)
            peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
        times, start = [], time.perf_counter()
        while len(times) < 3 or time.perf_counter() - start < min_seconds:
            t0 = time.perf_counter()
            net(x, sigma, cond, mask)
            sync()
            times.append(time.perf_counter() - t0)
        seconds = statistics.median(times)  # robust to other jobs on a shared machine
    return {"attention": attention, "n": n, "batch": batch, "device": device, "jets_per_s": batch / seconds,
            "us_per_particle": 1e6 * seconds / (batch * n), "peak_mb": peak, "calls": len(times)}


def measure(attention: str, n: int, batch: int, args) -> dict:
    """``run_point`` in a fresh process, so its peak memory is its own."""
    command = [sys.executable, __file__, POINT, attention, str(n), str(batch), args.device, str(args.threads),
               str(args.min_seconds)]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode:
        return {"attention": attention, "n": n, "batch": batch, "device": args.device, "error": out.stderr[-300:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def sampler_times(args) -> list[dict]:
    """Seconds per jet of whole sampling runs on CPU with random-initialised CAE models."""
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins" / "pc-droid" / "benchmarks"))
    from train_speed import jets  # JetNet150-top-like multiplicities (mean 63)

    from hepzoo_pc_droid.model import PcDroidCAE, PcDroidCAECD

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    teacher = PcDroidCAE.from_training_data(jets(2000, 150))
    student = PcDroidCAECD.from_teacher(teacher)
    runs = [(teacher, "heun", 50), (teacher, "dpmpp-2m", args.dpm_steps)]
    runs += [(student, "multistep-consistency", k) for k in (1, 3, 5)]
    rows = []
    for model, sampler, steps in runs:
        calls = []
        forward = model.objective.backbone.forward
        model.objective.backbone.forward = lambda *a, _f=forward, _c=calls, **k: _c.append(1) or _f(*a, **k)
        start = time.perf_counter()
        model.sample(args.sample_jets, sampler=sampler, steps=steps, seed=0, batch_size=args.sample_jets,
                     device="cpu", progress=False)
        seconds = time.perf_counter() - start
        del model.objective.backbone.forward
        rows.append({"family": model.family, "sampler": sampler, "steps": steps, "jets": args.sample_jets,
                     "chunk_calls": len(calls), "ms_per_jet": 1000 * seconds / args.sample_jets})
        print(f"  {model.family:16s} {sampler:22s} {steps:3d} steps: {rows[-1]['ms_per_jet']:8.1f} ms/jet",
              flush=True)
    return rows


def plot(points: list[dict], args, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5))
    panels = (
        (axes[0, 0], "n", "jets_per_s", f"jets/s per network call (batch {args.batch})"),
        (axes[0, 1], "n", "us_per_particle", f"time per particle [us] (batch {args.batch}): flat = O(N)"),
        (axes[1, 0], "n", "peak_mb", f"peak memory of one call [MB] (batch {args.batch})"),
        (axes[1, 1], "n", "kb_per_particle", f"peak memory per particle [kB] (batch {args.batch})"),
        (axes[0, 2], "batch", "jets_per_s", f"jets/s per network call (N = {args.n_for_batches})"),
        (axes[1, 2], "batch", "peak_mb", f"peak memory of one call [MB] (N = {args.n_for_batches})"),
    )
    ok = [dict(p, kb_per_particle=1024 * p["peak_mb"] / (p["batch"] * p["n"])) for p in points if "error" not in p]
    for attention, marker in zip(ATTENTIONS, "os"):
        for ax, x, key, _ in panels:
            fixed = ("batch", args.batch) if x == "n" else ("n", args.n_for_batches)
            rows = sorted((p for p in ok if p["attention"] == attention and p[fixed[0]] == fixed[1]),
                          key=lambda p: p[x])
            ax.plot([r[x] for r in rows], [max(r[key], 1e-3) for r in rows], marker=marker, label=LABELS[attention])
    for ax, x, _, title in panels:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=0.3, which="both")
        ax.set_xlabel("particles per jet N" if x == "n" else "batch size")
        ticks = sorted(args.n) if x == "n" else sorted({args.batch, *args.batches})
        ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"PC-Droid backbones (authors' sizes, random weights), {args.device}, {args.threads} thread(s)",
                 fontsize=11)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == POINT:
        attention, n, batch, device, threads, min_seconds = argv[1:7]
        print(json.dumps(run_point(attention, int(n), int(batch), device, int(threads), float(min_seconds))))
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--n", type=int, nargs="+", default=[30, 60, 150, 300, 500, 1000, 2000],
                   help="particles per jet (JetNet's 30 and 150, up to where the N^2 attention dominates)")
    p.add_argument("--batch", type=int, default=8, help="batch size of the sweep over N")
    p.add_argument("--batches", type=int, nargs="+", default=[1, 8, 32, 128], help="batch sizes of the sweep at one N")
    p.add_argument("--n-for-batches", type=int, default=150)
    p.add_argument("--min-seconds", type=float, default=2.0, help="time each point for at least this long (median call)")
    p.add_argument("--sample-jets", type=int, default=64)
    p.add_argument("--dpm-steps", type=int, default=20)
    p.add_argument("--no-samplers", action="store_true")
    p.add_argument("--png", help="write the figure here")
    p.add_argument("--json", help="write every measurement here")
    args = p.parse_args(argv)

    points = []
    grid = [(a, n, args.batch) for a in ATTENTIONS for n in args.n]
    grid += [(a, args.n_for_batches, b) for a in ATTENTIONS for b in args.batches if b != args.batch]
    print(f"network calls on {args.device}, {args.threads} thread(s)")
    print("| backbone | N | batch | jets/s | us per particle | peak MB |\n|---|---:|---:|---:|---:|---:|")
    for attention, n, batch in grid:
        row = measure(attention, n, batch, args)
        points.append(row)
        if "error" in row:
            print(f"| {attention} | {n} | {batch} | failed: {row['error'].splitlines()[-1] if row['error'] else ''} | | |",
                  flush=True)
        else:
            print(f"| {attention} | {n} | {batch} | {row['jets_per_s']:.1f} | {row['us_per_particle']:.1f} | "
                  f"{row['peak_mb']:.1f} |", flush=True)
    samplers = []
    if not args.no_samplers:
        print(f"\nsampling on cpu, {args.sample_jets} jets in one batch, random-initialised CAE models")
        samplers = sampler_times(args)
    if args.png:
        plot(points, args, args.png)
        print(f"wrote {args.png}")
    if args.json:
        atomic_write_text(args.json, json.dumps({"points": points, "samplers": samplers}, indent=1))


if __name__ == "__main__":
    main()
