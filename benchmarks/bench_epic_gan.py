"""EPiC-GAN generator throughput (jets/s) vs batch size and multiplicity, eager vs fast paths.

Run: ``PYTHONPATH=core:plugins/epic-gan python benchmarks/bench_epic_gan.py --device cuda``.
Modes: ``eager`` (fp32, weight norm recomputed every call: the reference), ``fused`` (weight norm
folded into plain weights once), ``compile`` (fused + torch.compile), ``bf16`` (fused + bfloat16
autocast). Prints a markdown table with the max deviation from the reference output.
"""

from __future__ import annotations

import argparse
import time

import torch

from hepzoo_epic_gan.generator import EPiCGenerator
from hepzoo_epic_gan.layers import fold_weight_norm


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def build(mode: str, device: torch.device) -> tuple[torch.nn.Module, bool]:
    """The network for ``mode`` (same seed-0 weights) and whether it runs under bf16 autocast."""
    torch.manual_seed(0)
    net = EPiCGenerator().to(device).eval()
    if mode == "eager":
        return net, False
    net = fold_weight_norm(net)
    if mode in ("compile", "compile-bf16"):
        net = torch.compile(net, dynamic=False)
    return net, mode.endswith("bf16")


def time_mode(net, bf16: bool, batch: int, n: int, device: torch.device, min_time: float) -> tuple[float, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    z_global = torch.randn(batch, 10, generator=gen).to(device)
    z_local = torch.randn(batch, n, 3, generator=gen).to(device)

    def call() -> torch.Tensor:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            return net(z_global, z_local)

    with torch.inference_mode():
        out = call().float()  # warm-up (and compilation)
        call()
        _sync(device)
        reps, start = 0, time.perf_counter()
        while True:
            call()
            reps += 1
            _sync(device)
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
    return batch * reps / elapsed, out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch-sizes", type=int, nargs="+", default=None, help="default: 1000 (cpu), 1000 10000 (cuda)")
    p.add_argument("--n", type=int, nargs="+", default=[30, 88, 150], help="particles per jet")
    p.add_argument("--modes", nargs="+", default=None,
                   help="eager fused compile bf16 compile-bf16 (default: all on cuda, eager fused on cpu)")
    p.add_argument("--min-time", type=float, default=None, help="seconds per measurement (0.5 cpu, 1 cuda)")
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args(argv)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    if args.threads:
        torch.set_num_threads(args.threads)
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = False  # fp32 means fp32 here
    batch_sizes = args.batch_sizes or ([1000, 10000] if cuda else [1000])
    modes = args.modes or (["eager", "fused", "compile", "bf16", "compile-bf16"] if cuda else ["eager", "fused"])
    min_time = args.min_time or (1.0 if cuda else 0.5)
    name = torch.cuda.get_device_name(device) if cuda else f"CPU, {torch.get_num_threads()} threads"
    print(f"EPiC-GAN generator (424,850 parameters), {name}, torch {torch.__version__}\n")
    print("| batch | N | mode | jets/s | speed-up vs eager | max abs diff vs eager |")
    print("|---:|---:|---|---:|---:|---:|")
    nets = {m: build(m, device) for m in modes}
    for batch in batch_sizes:
        for n in args.n:
            ref_rate, ref_out = None, None
            for mode in modes:
                net, bf16 = nets[mode]
                rate, out = time_mode(net, bf16, batch, n, device, min_time)
                if mode == "eager":
                    ref_rate, ref_out = rate, out
                speed = f"{rate / ref_rate:.2f}x" if ref_rate else "-"
                diff = f"{(out - ref_out).abs().max().item():.2e}" if ref_out is not None else "-"
                print(f"| {batch} | {n} | {mode} | {rate:,.0f} | {speed} | {diff} |", flush=True)


if __name__ == "__main__":
    main()
