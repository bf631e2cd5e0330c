"""Time and memory per jet vs the number of points N: MDMA's generator (mean field, O(N)) vs full attention (O(N^2)).

    PYTHONPATH=core:plugins/mdma nice -n 15 python benchmarks/bench_mdma_scaling.py \\
        [--sizes 30 100 300 1000] [--batch 16] [--plot docs/img/mdma_scaling.png] [--table docs/mdma_scaling.md]

Each (network, N) runs in its own process on one CPU thread, in inference mode on ``batch`` dense
jets of exactly N particles: seconds per jet is the best of ``--repeats`` calls; memory is the
peak resident set during the calls above the resident set before them (``VmHWM`` reset through
``/proc/self/clear_refs``). The full-attention network is the ``pc-droid`` family's transformer
(one denoiser call, built through hepzoo's registry, never imported by name) when that family is
installed, else ``torch.nn.TransformerEncoder`` at PC-Droid's size (width 256, 3 layers, 16 heads).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from hepzoo.atomic import atomic_path, atomic_write_text

NETWORKS = ("mdma", "full-attention")


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _network(name: str):
    """``(label, fn(x [B, N, 3]) -> tensor)`` of a network with random weights."""
    import torch

    torch.manual_seed(0)
    if name == "mdma":
        from hepzoo_mdma.config import GeneratorConfig
        from hepzoo_mdma.networks import MDMAGenerator

        gen = MDMAGenerator(GeneratorConfig()).eval()
        gen.avg_n.fill_(62.9)
        return "MDMA generator (7 blocks, 16/48)", gen
    from hepzoo.plugins import get_registry

    registry = get_registry()
    if "pc-droid" in registry.names("family"):
        model = registry.get("family", "pc-droid").load()().eval()
        net = model.objective.backbone
        return "PC-Droid full transformer (3 layers, 256)", lambda x: net(x, torch.ones(x.shape[0]), None, None)
    layer = torch.nn.TransformerEncoderLayer(256, 16, 512, batch_first=True, dropout=0.0)
    enc, embed = torch.nn.TransformerEncoder(layer, 3, enable_nested_tensor=False).eval(), torch.nn.Linear(3, 256)
    return "TransformerEncoder (3 layers, 256)", lambda x: enc(embed(x))


def measure_one(name: str, n: int, batch: int, repeats: int) -> dict:
    """Seconds per jet and peak extra memory [MiB] of one network at ``n`` points, in this process."""
    import torch

    torch.set_num_threads(1)
    label, net = _network(name)
    x = torch.randn(batch, n, 3)
    with torch.inference_mode():
        net(x[:1, : min(n, 8)])  # warm-up on a tiny input: kernels loaded, little memory
        before = _rss_kib("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            net(x)
            best = min(best, time.perf_counter() - start)
        peak = _rss_kib("VmHWM")
    return {"network": name, "label": label, "n": n, "batch": batch,
            "ms_per_jet": 1e3 * best / batch, "peak_mib": max(peak - before, 0) / 1024}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[30, 100, 300, 1000])
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--plot", default="docs/img/mdma_scaling.png")
    p.add_argument("--table", default=None, help="also write the markdown table to this file")
    p.add_argument("--one", nargs=2, metavar=("NETWORK", "N"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one[0], int(args.one[1]), args.batch, args.repeats)))
        return 0
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    rows = []
    for name in NETWORKS:
        for n in args.sizes:
            out = subprocess.run([sys.executable, __file__, "--one", name, str(n), "--batch", str(args.batch),
                                  "--repeats", str(args.repeats)], capture_output=True, text=True, env=env, check=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"{rows[-1]['label']:45s} N={n:5d} {rows[-1]['ms_per_jet']:9.3f} ms/jet "
                  f"{rows[-1]['peak_mib']:8.1f} MiB", flush=True)
    table = _table(rows, args.sizes)
    print(table)
    if args.table:
        atomic_write_text(args.table, table + "\n")
    if args.plot:
        _plot(rows, args.plot)
    return 0


def _table(rows: list[dict], sizes: list[int]) -> str:
    by = {(r["network"], r["n"]): r for r in rows}
    labels = {r["network"]: r["label"] for r in rows}
    head = "| N | " + " | ".join(f"{labels[k]} ms/jet | MiB" for k in NETWORKS) + " |"
    lines = [head, "|---" * (1 + 2 * len(NETWORKS)) + "|"]
    for n in sizes:
        cells = [f"{by[k, n]['ms_per_jet']:.3g} | {by[k, n]['peak_mib']:.0f}" for k in NETWORKS]
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _plot(rows: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for name in NETWORKS:
        sel = [r for r in rows if r["network"] == name]
        ns = [r["n"] for r in sel]
        axes[0].loglog(ns, [r["ms_per_jet"] for r in sel], "o-", label=sel[0]["label"])
        axes[1].loglog(ns, [max(r["peak_mib"], 0.1) for r in sel], "o-", label=sel[0]["label"])
    axes[0].set(xlabel="points per jet N", ylabel="ms per jet (1 CPU thread)")
    axes[1].set(xlabel="points per jet N", ylabel="peak extra memory [MiB]")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")


if __name__ == "__main__":
    raise SystemExit(main())
