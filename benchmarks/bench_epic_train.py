"""EPiC-GAN training throughput: LSGAN steps/s (critic update + generator update) through the engine.

Run: ``python benchmarks/bench_epic_train.py --threads 2``. A step is what ``hepzoo train epic-gan``
runs per batch: ``EpicGanStep`` with the engine's ``StepContext`` (Adam, eps 1e-14) on a dense batch
of ``--batch`` jets with N particles each, in fp32 and under bf16 autocast. ``direct`` is the same
LSGAN step written out by hand with no engine (as EPiC-GAN's trainer was before the engine), the
baseline that shows what the engine costs. Modes are timed in interleaved rounds (the median is
printed), so a machine shared with other jobs slows them alike. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from hepzoo.objectives.gan import lsgan_critic_loss, lsgan_generator_loss
from hepzoo.training import MODEL, StepContext, TrainOptions
from hepzoo_epic_gan.config import EpicGanConfig
from hepzoo_epic_gan.critic import EPiCCritic
from hepzoo_epic_gan.model import EpicGanModel
from hepzoo_epic_gan.train import EpicGanRecipe, EpicGanStep

MODES = ("fp32", "bf16", "direct")


def make_step(mode: str, n: int, batch: int, device: torch.device):
    """A zero-argument callable running one training step of ``mode`` on a fixed random batch."""
    torch.manual_seed(0)
    model = EpicGanModel(EpicGanConfig(max_particles=n)).to(device).train()
    critic = EPiCCritic(model.config.critic).to(device).train()
    opts = TrainOptions(**EpicGanRecipe.defaults)
    nets = {MODEL: model, "critic": critic}
    optimizers = {k: torch.optim.Adam(v.parameters(), lr=opts.lr, betas=opts.betas, eps=opts.eps)
                  for k, v in nets.items()}
    noise = torch.Generator(device=device).manual_seed(0)
    real = torch.randn(batch, n, 3, generator=torch.Generator().manual_seed(2)).to(device)
    if mode != "direct":
        ctx = StepContext(nets, optimizers, device, noise, bf16=mode == "bf16")
        step = EpicGanStep(model)
        return lambda: step(real, ctx)
    gen_net, cfg = model.generator, model.config.generator

    def direct() -> None:
        z_g = torch.randn((batch, cfg.latent), generator=noise, device=device)
        z_l = torch.randn((batch, n, cfg.latent_local), generator=noise, device=device)
        fake = gen_net(z_g, z_l)
        d_loss = lsgan_critic_loss(critic(real), critic(fake.detach()))
        optimizers["critic"].zero_grad(set_to_none=True)
        d_loss.backward()
        optimizers["critic"].step()
        critic.requires_grad_(False)
        z_g = torch.randn((batch, cfg.latent), generator=noise, device=device)
        z_l = torch.randn((batch, n, cfg.latent_local), generator=noise, device=device)
        g_loss = lsgan_generator_loss(critic(gen_net(z_g, z_l)))
        optimizers[MODEL].zero_grad(set_to_none=True)
        g_loss.backward()
        optimizers[MODEL].step()
        critic.requires_grad_(True)

    return direct


def rate(step, device: torch.device, seconds: float) -> float:
    """Steps per second of ``step`` over at least ``seconds``."""
    reps, start = 0, time.perf_counter()
    while True:
        step()
        reps += 1
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return reps / elapsed


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--n", type=int, nargs="+", default=[30, 150])
    p.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    p.add_argument("--seconds", type=float, default=4.0, help="per mode and round")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    print(f"EPiC-GAN LSGAN step, batch {args.batch}, {args.device}, {torch.get_num_threads()} threads, "
          f"torch {torch.__version__}; median of {args.rounds} rounds\n")
    print("| N | " + " | ".join(f"{m} steps/s" for m in args.modes) + " |")
    print("|---|" + "---|" * len(args.modes))
    for n in args.n:
        steps = {m: make_step(m, n, args.batch, device) for m in args.modes}
        for step in steps.values():  # warm-up
            for _ in range(3):
                step()
        rates: dict[str, list[float]] = {m: [] for m in args.modes}
        for _ in range(args.rounds):
            for m, step in steps.items():
                rates[m].append(rate(step, device, args.seconds))
        print(f"| {n} | " + " | ".join(f"{statistics.median(rates[m]):.2f}" for m in args.modes) + " |", flush=True)


if __name__ == "__main__":
    main()
