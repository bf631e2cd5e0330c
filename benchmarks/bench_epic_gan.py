"""EPiC-GAN generator throughput (jets/s): ours beside the authors', or our own modes on fixed shapes.

Beside the authors' generator (the comparison of record; CPU, 2 threads, N=150, batch 1000):

    PYTHONPATH=core:plugins/epic-gan python benchmarks/bench_epic_gan.py \\
        --authors /path/to/uhh-pd-ml/EPiC-GAN --threads 2

imports the authors' ``models.py`` from that path (a checkout, nothing of it is copied), gives both
generators the same weights (seed-0 init, or ``--model ID``'s published weights), and times them
interleaved in one process (rounds, contestant order rotated every round; medians reported) on
the same jets: the same multiplicities (JetNet150 tops' mean 62.9 and std 17.5 by default, or
``--model``'s prior) and the same noise. Contestants: the authors' generator on padded
``[B, 150, 3]`` sets (how it was timed so far) and bucketed by multiplicity as their
``generate.py`` runs it; ours on padded sets (same work, kernel for kernel), packed (only real
particles, the sampling path of ``EpicGanModel``), packed with its per-particle work in bfloat16 (``--bf16``) and
packed through ``torch.compile`` (``--compile``). The packed outputs are checked against the
authors' bucketed ones (max abs difference, network space).

Without ``--authors``: a table of our modes on dense ``[B, N, 3]`` inputs, eager (weight norm
recomputed every call) vs ``fused`` (folded) vs ``compile`` / ``bf16`` (CUDA).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

from hepzoo_epic_gan.buckets import PackedJets
from hepzoo_epic_gan.generator import EPiCGenerator
from hepzoo_epic_gan.keymap import authors_to_ours, ours_to_authors
from hepzoo_epic_gan.layers import fold_weight_norm

JETNET150_TOP_MULTIPLICITY = (62.9, 17.5)  # mean, std of JetNet's training tops (../shared/reference/jets.md)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# -- our modes on dense shapes --------------------------------------------------------------------
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


def modes_table(args: argparse.Namespace, device: torch.device) -> None:
    cuda = device.type == "cuda"
    batch_sizes = args.batch_sizes or ([1000, 10000] if cuda else [1000])
    modes = args.modes or (["eager", "fused", "compile", "bf16", "compile-bf16"] if cuda else ["eager", "fused"])
    min_time = args.min_time or (1.0 if cuda else 0.5)
    name = torch.cuda.get_device_name(device) if cuda else f"CPU, {torch.get_num_threads()} threads"
    print(f"EPiC-GAN generator (424,850 parameters), {name}, torch {torch.__version__}\n")
    print("| batch | N | mode | jets/s | speed-up vs eager | max abs diff vs eager |")
    print("|---:|---:|---|---:|---:|---:|")
    nets = {m: build(m, device) for m in modes}
    for batch in batch_sizes:
        for n in args.n or [30, 88, 150]:
            ref_rate, ref_out = None, None
            for mode in modes:
                net, bf16 = nets[mode]
                rate, out = time_mode(net, bf16, batch, n, device, min_time)
                if mode == "eager":
                    ref_rate, ref_out = rate, out
                speed = f"{rate / ref_rate:.2f}x" if ref_rate else "-"
                diff = f"{(out - ref_out).abs().max().item():.2e}" if ref_out is not None else "-"
                print(f"| {batch} | {n} | {mode} | {rate:,.0f} | {speed} | {diff} |", flush=True)


# -- ours beside the authors' -----------------------------------------------------------------------
def load_authors_module(path: str | Path):
    """The authors' ``models.py`` (a file, or the checkout holding it), imported under its own name."""
    path = Path(path)
    file = path / "models.py" if path.is_dir() else path
    if not file.is_file():
        sys.exit(f"no models.py at {path}: give the path of an uhh-pd-ml/EPiC-GAN checkout or its models.py")
    spec = importlib.util.spec_from_file_location("epic_gan_authors_models", file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generators(authors_module, model_id: str | None) -> tuple[torch.nn.Module, EPiCGenerator, torch.Tensor | None]:
    """The authors' generator and ours with the same weights (+ the model's prior, with ``model_id``)."""
    args = {"latent": 10, "latent_local": 3, "hid_d": 128, "feats": 3, "equiv_layers_generator": 6,
            "equiv_layers_discriminator": 3, "return_latent_space": False}
    torch.manual_seed(0)
    authors = authors_module.EPiC_generator(args).eval()
    ours = EPiCGenerator().eval()
    prior = None
    if model_id:
        import hepzoo

        model = hepzoo.load(model_id)
        ours.load_state_dict(model.generator.state_dict(), strict=True)
        authors.load_state_dict(ours_to_authors(ours.state_dict(), "generator"), strict=True)
        prior = model.prior
    else:
        ours.load_state_dict(authors_to_ours(authors.state_dict(), "generator"), strict=True)
    return authors, fold_weight_norm(ours), prior


def draw_counts(batch: int, max_particles: int, prior, gen: torch.Generator) -> torch.Tensor:
    """Multiplicities: the model's prior, else a Gaussian with JetNet150 tops' mean and std, in [1, P]."""
    if prior is not None:
        counts = prior.sample(batch, gen)["n_particles"]
    else:
        mean, std = JETNET150_TOP_MULTIPLICITY
        counts = torch.randn(batch, generator=gen) * std + mean
    return counts.round().long().clamp(1, max_particles)


def contestants(authors, ours, counts, max_particles, gen, use_bf16: bool, use_compile: bool) -> dict[str, Callable]:
    """name -> a call generating the batch's jets; all from the same global and per-particle noise."""
    batch = len(counts)
    mask = torch.arange(max_particles) < counts.unsqueeze(1)
    z_global = torch.randn(batch, 10, generator=gen)
    z_padded = torch.randn(batch, max_particles, 3, generator=gen)  # real particles first, then padding
    jets = PackedJets(counts)
    z_packed = PackedJets.pack(z_padded, mask)
    groups = [(int(n), torch.nonzero(counts == n).squeeze(1)) for n in torch.unique(counts)]
    buckets = [(n, z_global[idx], z_padded[idx, :n].contiguous()) for n, idx in groups]

    calls = {
        "authors padded": lambda: authors(z_global, z_padded),
        "authors bucketed": lambda: [authors(zg, zl) for _, zg, zl in buckets],
        "ours padded": lambda: ours(z_global, z_padded),
        "ours packed": lambda: ours.forward_packed(z_global, z_packed, jets),
    }
    if use_bf16:
        calls["ours packed bf16"] = lambda: ours.forward_packed(z_global, z_packed, jets, dtype=torch.bfloat16)
    if use_compile:
        compiled = torch.compile(ours.forward_packed, dynamic=True)  # one chunk: no loop unrolled per M
        calls["ours packed compile"] = lambda: compiled(z_global, z_packed, jets, chunk=len(z_packed))

    # the same jets: ours packed vs the authors' bucketed, per jet (network space)
    with torch.inference_mode():
        ref = torch.zeros(batch, max_particles, 3)
        for (n, idx), out in zip(groups, calls["authors bucketed"]()):
            ref[idx, :n] = out
        for name in [k for k in calls if k.startswith("ours packed")]:
            out = PackedJets.unpack(calls[name]().float(), mask)
            scale = ref.abs().max().item()
            print(f"  {name} vs authors bucketed: max abs diff {(out - ref).abs().max().item():.3g} "
                  f"(outputs up to {scale:.3g})")
    return calls


def compare(args: argparse.Namespace) -> None:
    authors_module = load_authors_module(args.authors)
    authors, ours, prior = generators(authors_module, args.model)
    gen = torch.Generator().manual_seed(args.seed)
    counts = draw_counts(args.batch, args.max_particles, prior, gen)
    print(f"EPiC-GAN generator, CPU, {torch.get_num_threads()} threads, torch {torch.__version__}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}; batch {args.batch}, padded to "
          f"N={args.max_particles}, multiplicity mean {counts.float().mean():.1f} "
          f"({'prior of ' + args.model if args.model else 'JetNet150 tops'}); load average before: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    calls = contestants(authors, ours, counts, args.max_particles, gen, args.bf16, args.compile)
    names = list(calls)
    seconds: dict[str, list[float]] = {k: [] for k in names}
    with torch.inference_mode():
        for name in names:  # warm-up (and compilation)
            calls[name]()
        for r in range(args.rounds):
            for name in names[r % len(names):] + names[: r % len(names)]:
                start = time.perf_counter()
                calls[name]()
                seconds[name].append(time.perf_counter() - start)
    base = "authors padded"
    print(f"\n{args.rounds} interleaved rounds; load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    print(f"| generator | median s per batch | jets/s | speed-up vs {base} (median of rounds) | vs authors bucketed |")
    print("|---|---:|---:|---:|---:|")
    for name in names:
        med = statistics.median(seconds[name])
        ratio = statistics.median(b / s for b, s in zip(seconds[base], seconds[name]))
        ratio_b = statistics.median(b / s for b, s in zip(seconds["authors bucketed"], seconds[name]))
        print(f"| {name} | {med:.3f} | {args.batch / med:,.0f} | {ratio:.2f}x | {ratio_b:.2f}x |", flush=True)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--authors", help="path of the authors' EPiC-GAN checkout (or its models.py): compare with it")
    p.add_argument("--model", help="with --authors: a published model whose weights and prior to use")
    p.add_argument("--batch", type=int, default=1000, help="with --authors: jets per batch")
    p.add_argument("--max-particles", type=int, default=150, help="with --authors: padded size N")
    p.add_argument("--rounds", type=int, default=15, help="with --authors: interleaved timing rounds")
    p.add_argument("--bf16", action="store_true", help="with --authors: also ours packed under bf16 autocast")
    p.add_argument("--compile", action="store_true", help="with --authors: also ours packed through torch.compile")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch-sizes", type=int, nargs="+", default=None, help="default: 1000 (cpu), 1000 10000 (cuda)")
    p.add_argument("--n", type=int, nargs="+", default=None, help="particles per jet (default 30 88 150)")
    p.add_argument("--modes", nargs="+", default=None,
                   help="eager fused compile bf16 compile-bf16 (default: all on cuda, eager fused on cpu)")
    p.add_argument("--min-time", type=float, default=None, help="seconds per measurement (0.5 cpu, 1 cuda)")
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False  # fp32 means fp32 here
    if args.authors:
        if device.type != "cpu":
            sys.exit("--authors compares on the CPU")
        compare(args)
    else:
        modes_table(args, device)


if __name__ == "__main__":
    main()
