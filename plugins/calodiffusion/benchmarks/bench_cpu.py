"""CaloDiffusion's dataset-2 U-Net (517,969 parameters): training steps/s and sampling ms/shower.

Run: ``python plugins/calodiffusion/benchmarks/bench_cpu.py --threads 1``. A training step is what
``hepzoo train calodiffusion-unet`` runs per batch (the engine's ``LossStep`` + ``StepContext``,
Adam), at ``--batch`` showers in fp32 and under bf16 autocast, timed in interleaved rounds (the
median is printed) so a machine shared with other jobs slows both alike. Sampling time is the
median time of one network call (the sampler's law at batch ``--sample-batch``) times the calls a
sampler makes: DDPM from t = 397 (398 calls), DDIM-50, DPM-Solver++(2M)-25; the samplers' own
arithmetic is negligible beside the U-Net. Beside wall time the process's CPU time is printed: on
a machine shared with other jobs it is what the work costs on a core of its own (with one thread).
Prints markdown tables.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from hepzoo.training import MODEL, LossStep, StepContext
from hepzoo_calodiffusion.model import CaloDiffusionModel

SAMPLERS = (("ddpm (from t=397)", 398), ("ddim-50", 50), ("dpmpp-2m-25", 25))


def _timed(fn) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def train_step_seconds(model: CaloDiffusionModel, ctx: StepContext, batch: int) -> tuple[float, float]:
    """(wall, CPU) seconds of one engine training step on random network-space showers."""
    x = torch.randn(batch, 1, 45, 16, 9, generator=ctx.generator)
    c = torch.rand(batch, 1, generator=ctx.generator)
    step = LossStep(model.objective)
    return _timed(lambda: step((x, c, None), ctx))


def call_seconds(model: CaloDiffusionModel, batch: int, generator: torch.Generator) -> tuple[float, float]:
    """(wall, CPU) seconds of one network call through the sampling law (inference mode, fp32)."""
    energy = torch.exp(torch.empty(batch).uniform_(6.9, 13.8, generator=generator))
    law = model.sampling_law(model.condition_vector({"energy": energy}, torch.device("cpu")), None, "cpu")
    sigma = model.objective.schedule(50)[10]
    x = torch.randn(batch, 1, 45, 16, 9, generator=generator) * float(sigma)
    with torch.inference_mode():
        return _timed(lambda: law(x, sigma.expand(batch)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=64, help="training batch (paper: 128)")
    p.add_argument("--rounds", type=int, default=3, help="timed rounds after one warm-up")
    p.add_argument("--sample-batch", type=int, default=100)
    p.add_argument("--skip-train", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = CaloDiffusionModel()
    generator = torch.Generator().manual_seed(0)
    if not args.skip_train:
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=4e-4)
        contexts = {bf16: StepContext({MODEL: model}, {MODEL: optimizer}, torch.device("cpu"), generator, bf16=bf16)
                    for bf16 in (False, True)}
        times: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
        for r in range(args.rounds + 1):
            for bf16 in (False, True):
                seconds = train_step_seconds(model, contexts[bf16], args.batch)
                if r:
                    times[bf16].append(seconds)
        print(f"\ntraining, batch {args.batch}, {args.threads} thread(s)\n")
        print("| precision | wall s/step | steps/s (wall) | CPU s/step | steps/s (CPU) |\n|---|---|---|---|---|")
        for bf16, label in ((False, "fp32"), (True, "bf16 autocast")):
            wall = statistics.median(w for w, _ in times[bf16])
            cpu = statistics.median(c for _, c in times[bf16])
            print(f"| {label} | {wall:.2f} | {1 / wall:.3f} | {cpu:.2f} | {1 / cpu:.3f} |")
    model.eval()
    calls = [call_seconds(model, args.sample_batch, generator) for _ in range(args.rounds + 1)][1:]
    wall, cpu = statistics.median(w for w, _ in calls), statistics.median(c for _, c in calls)
    print(f"\nsampling, batch {args.sample_batch}, {args.threads} thread(s): {wall:.2f} s wall, "
          f"{cpu:.2f} s CPU per network call\n")
    print("| sampler | network calls | ms/shower (wall) | ms/shower (CPU) |\n|---|---|---|---|")
    for name, n_calls in SAMPLERS:
        scale = 1000 * n_calls / args.sample_batch
        print(f"| {name} | {n_calls} | {wall * scale:,.0f} | {cpu * scale:,.0f} |")


if __name__ == "__main__":
    main()
