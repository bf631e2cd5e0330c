"""Train EPiC-GAN (LSGAN, multiplicity-bucketed batches), keep the best model by validation W1M.

Buhmann, Kasieczka, Thaler, arXiv:2301.08128: Adam(1e-4, betas (0.9, 0.999), eps 1e-14) for the
generator and the critic, one critic step per generator step, batches of up to 128 jets that all
have the same multiplicity, model selection by the W1 distance of the jet mass on validation jets.
Run as ``python -m hepzoo_epic_gan.train --data FILE_OR_DATASET --out DIR``.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from hepzoo._random import make_generator
from hepzoo.errors import ConfigError, HepzooError, InvalidDataError
from hepzoo.hub.local import load_state_strict
from hepzoo.model import resolve_device
from hepzoo.objectives.gan import lsgan_critic_loss, lsgan_generator_loss
from hepzoo.samples import Samples
from hepzoo_epic_gan.checkpoint import (
    flatten_optimizer,
    load_checkpoint,
    save_checkpoint,
    sub_state,
    unflatten_optimizer,
)
from hepzoo_epic_gan.critic import EPiCCritic
from hepzoo_epic_gan.model import EpicGanModel
from hepzoo_epic_gan.validation import w1_mass

__all__ = ["train", "main_train", "load_training_data"]

CHECKPOINT = "checkpoint.safetensors"
BEST = "best.safetensors"
LOG = "train_log.jsonl"


def _adam(params) -> torch.optim.Adam:
    return torch.optim.Adam(params, lr=1e-4, betas=(0.9, 0.999), eps=1e-14)


def _epoch_batches(sizes: dict[int, int], batch_size: int, seed: int, epoch: int) -> list[tuple[int, torch.Tensor]]:
    """Shuffled ``(n, jet indices)`` batches for one epoch, fixed by (seed, epoch)."""
    gen = make_generator(seed * 100_003 + epoch)
    batches = []
    for n in sorted(sizes):
        perm = torch.randperm(sizes[n], generator=gen)
        batches.extend((n, perm[i : i + batch_size]) for i in range(0, len(perm), batch_size))
    order = torch.randperm(len(batches), generator=gen).tolist()
    return [batches[i] for i in order]


class _Logger:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, **record) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")


@torch.no_grad()
def validate(model: EpicGanModel, valid: Samples, device: torch.device, seed: int, runs: int = 1) -> float:
    """W1 of the jet mass between ``valid`` and ``runs`` x ``len(valid)`` generated jets (fixed noise)."""
    was_training = model.training
    model.eval()
    gen = make_generator(seed)
    counts = model.prior.sample(len(valid) * runs, gen)["n_particles"]
    x, mask = model.generate_points(counts, gen, device)
    model.train(was_training)
    return w1_mass(x, mask, valid.x, valid.mask, runs=runs)


def train(
    data: Samples,
    valid: Samples,
    out_dir: str | Path,
    epochs: int = 10,
    batch_size: int = 128,
    lr: float = 1e-4,
    device: str | torch.device | None = None,
    seed: int = 0,
    ema: float | None = None,
    resume: bool = True,
    log_every: int = 100,
    time_limit: float | None = None,
    valid_every: int | None = None,
    valid_runs: int = 1,
) -> Path:
    """Train on ``data`` (train split), select on ``valid``; returns the saved best-model folder.

    ``out_dir`` receives ``checkpoint.safetensors`` (+ ``.json``) for resuming, ``best.safetensors``,
    ``train_log.jsonl`` and, at the end, the best model as a hepzoo folder ``out_dir/model``.
    Validation runs after every epoch and every ``valid_every`` steps. ``time_limit`` (seconds)
    stops cleanly, checkpoint and model saved, before that much wall time has passed. ``ema``
    (e.g. 0.999) keeps an exponential moving average of the generator for validation and export.
    """
    if epochs < 1 or batch_size < 1 or lr <= 0:
        raise ConfigError(f"epochs, batch_size and lr must be positive (got {epochs}, {batch_size}, {lr})")
    if ema is not None and not 0.0 < ema < 1.0:
        raise ConfigError(f"ema must be a decay in (0, 1), e.g. 0.999; got {ema}")
    start = time.monotonic()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dev = resolve_device(device)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
    torch.manual_seed(seed)
    log = _Logger(out / LOG)

    model = EpicGanModel.from_training_data(data)
    model.to(dev).train()
    critic = EPiCCritic(model.config.critic).to(dev).train()
    gen_net = model.generator
    opt_g, opt_d = _adam(gen_net.parameters()), _adam(critic.parameters())
    for opt in (opt_g, opt_d):
        for group in opt.param_groups:
            group["lr"] = lr
    ema_model = copy.deepcopy(model) if ema is not None else None
    noise = torch.Generator(device=dev)
    noise.manual_seed(seed)

    # the training jets, normalised, on the device, one dense tensor per multiplicity
    buckets = {n: model.normalise(t).to(dev) for n, t in model.training_points(data).items()}
    sizes = {n: len(t) for n, t in buckets.items()}
    steps_per_epoch = sum(math.ceil(s / batch_size) for s in sizes.values())
    cfg = model.config.generator

    meta = {"epoch": 0, "batch": 0, "step": 0, "best_w1m": None, "best_step": None, "best_epoch": None}
    ckpt_path = out / CHECKPOINT
    if resume and ckpt_path.exists():
        tensors, meta = load_checkpoint(ckpt_path)
        model.load_state_dict(sub_state(tensors, "model"), strict=True)
        critic.load_state_dict(sub_state(tensors, "critic"), strict=True)
        unflatten_optimizer(opt_g, tensors, meta["opt_g"], "opt_g")
        unflatten_optimizer(opt_d, tensors, meta["opt_d"], "opt_d")
        if ema_model is not None and any(k.startswith("ema.") for k in tensors):
            ema_model.load_state_dict(sub_state(tensors, "ema"), strict=True)
        noise.set_state(tensors["rng.noise"])
        for opt in (opt_g, opt_d):  # the learning rate asked for now wins over the checkpoint's
            for group in opt.param_groups:
                group["lr"] = lr
        log(event="resume", step=meta["step"], epoch=meta["epoch"], lr=lr, ema=ema)

    def checkpoint() -> None:
        tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
        tensors.update({f"critic.{k}": v for k, v in critic.state_dict().items()})
        if ema_model is not None:
            tensors.update({f"ema.{k}": v for k, v in ema_model.state_dict().items()})
        t_g, m_g = flatten_optimizer(opt_g, "opt_g")
        t_d, m_d = flatten_optimizer(opt_d, "opt_d")
        tensors.update(t_g)
        tensors.update(t_d)
        tensors["rng.noise"] = noise.get_state()
        save_checkpoint(ckpt_path, tensors, {**meta, "opt_g": m_g, "opt_d": m_d, "steps_per_epoch": steps_per_epoch})

    valid_seconds = 0.0

    def run_validation() -> None:
        nonlocal valid_seconds
        t0 = time.monotonic()
        scored = ema_model if ema_model is not None else model
        w1m = validate(scored, valid, dev, seed=seed + 1, runs=valid_runs)
        valid_seconds = time.monotonic() - t0
        best = meta["best_w1m"]
        improved = best is None or w1m < best
        if improved:
            meta.update(best_w1m=w1m, best_step=meta["step"], best_epoch=meta["epoch"])
            state = {k: v.detach().cpu().contiguous().clone() for k, v in scored.state_dict().items()}
            save_checkpoint(out / BEST, state, {"step": meta["step"], "epoch": meta["epoch"], "w1m": w1m})
        log(event="valid", step=meta["step"], epoch=meta["epoch"], w1m=w1m, best=improved,
            seconds=round(valid_seconds, 3))

    stopped = False
    sums = torch.zeros(2, device=dev)
    count = 0
    last_time = time.monotonic()
    while meta["epoch"] < epochs and not stopped:
        batches = _epoch_batches(sizes, batch_size, seed, meta["epoch"])
        for b_index in range(meta["batch"], len(batches)):
            if time_limit is not None:
                margin = 2.0 * valid_seconds + 15.0
                if time.monotonic() - start > time_limit - margin:
                    stopped = True
                    break
            n, idx = batches[b_index]
            real = buckets[n][idx.to(dev)]
            b = len(real)
            z_global = torch.randn((b, cfg.latent), generator=noise, device=dev)
            z_local = torch.randn((b, n, cfg.latent_local), generator=noise, device=dev)
            fake = gen_net(z_global, z_local)
            # critic step
            critic.requires_grad_(True)
            d_loss = lsgan_critic_loss(critic(real), critic(fake.detach()))
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            # generator step, on fresh noise as the authors do
            critic.requires_grad_(False)
            z_global = torch.randn((b, cfg.latent), generator=noise, device=dev)
            z_local = torch.randn((b, n, cfg.latent_local), generator=noise, device=dev)
            g_loss = lsgan_generator_loss(critic(gen_net(z_global, z_local)))
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            if ema_model is not None:
                with torch.no_grad():
                    for p_e, p in zip(ema_model.generator.parameters(), gen_net.parameters()):
                        p_e.lerp_(p, 1.0 - ema)
            sums += torch.stack([d_loss.detach(), g_loss.detach()])
            count += 1
            meta["step"] += 1
            meta["batch"] = b_index + 1
            if meta["step"] % log_every == 0:
                d_mean, g_mean = (sums / count).tolist()
                now = time.monotonic()
                log(event="train", step=meta["step"], epoch=meta["epoch"], d_loss=d_mean, g_loss=g_mean,
                    steps_per_s=round(count / max(now - last_time, 1e-9), 2))
                if not (math.isfinite(d_mean) and math.isfinite(g_mean)):
                    raise HepzooError(
                        f"training diverged (non-finite loss at step {meta['step']}); lower --lr or "
                        f"restart from {ckpt_path}"
                    )
                sums.zero_()
                count, last_time = 0, now
            if valid_every and meta["step"] % valid_every == 0:
                run_validation()
        else:
            meta["epoch"] += 1
            meta["batch"] = 0
            run_validation()
        checkpoint()
    critic.requires_grad_(True)
    if meta["best_w1m"] is None:
        run_validation()
    best_state, best_meta = load_checkpoint(out / BEST)
    final = EpicGanModel(model.config)
    load_state_strict(final, best_state, str(out / BEST))
    log(event="done", stopped_by_time_limit=stopped, step=meta["step"], epoch=meta["epoch"],
        best_w1m=best_meta["w1m"], best_step=best_meta["step"], seconds=round(time.monotonic() - start, 1))
    return final.eval().save_pretrained(out / "model")


def load_training_data(data: str, max_particles: int = 150, max_jets: int | None = None) -> tuple[Samples, Samples]:
    """``(train, valid)`` from a JetNet HDF5 file (70/15/15 split, seed 42) or a registered dataset name."""
    from hepzoo.data.datasets import load_dataset, split_indices
    from hepzoo.representations.point_cloud import PointCloud

    path = Path(data)
    if path.suffix in (".h5", ".hdf5") or path.exists():
        samples = PointCloud(max_particles=max_particles).read(path)
        if max_jets:
            samples = samples[:max_jets]
        split = split_indices(len(samples), (0.7, 0.15, 0.15), seed=42)
        train_set, valid_set = samples[np.sort(split["train"])], samples[np.sort(split["valid"])]
    else:
        train_set, valid_set = load_dataset(data, "train"), load_dataset(data, "valid")
        if max_jets:
            train_set, valid_set = train_set[: int(0.7 * max_jets)], valid_set[: int(0.15 * max_jets)]
    out = []
    for part in (train_set, valid_set):
        keep = part.mask.sum(1) > 0
        out.append(part if keep.all() else part[np.flatnonzero(keep)])
    if len(out[0]) < 2 or len(out[1]) < 1:
        raise InvalidDataError(f"too few jets to train on ({len(out[0])} train, {len(out[1])} valid); pass more data")
    return out[0], out[1]


def main_train(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m hepzoo_epic_gan.train --data FILE --out DIR [...]``."""
    p = argparse.ArgumentParser(prog="hepzoo-epic-gan-train", description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="JetNet HDF5 file or registered dataset name")
    p.add_argument("--out", required=True, help="output directory (checkpoints, log, model/)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:N (default: cuda if available)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-jets", type=int, default=None, help="use only the first N jets of the file")
    p.add_argument("--max-particles", type=int, default=150)
    p.add_argument("--time-limit", type=float, default=None, help="stop cleanly before this many seconds")
    p.add_argument("--ema", type=float, default=None, help="EMA decay of the generator, e.g. 0.999")
    p.add_argument("--valid-every", type=int, default=None, help="also validate every N steps")
    p.add_argument("--valid-runs", type=int, default=1, help="generated sets per validation (authors: 10)")
    p.add_argument("--log-every", type=int, default=100)
    p.add_argument("--no-resume", action="store_true", help="ignore an existing checkpoint in --out")
    args = p.parse_args(argv)
    train_set, valid_set = load_training_data(args.data, args.max_particles, args.max_jets)
    print(f"training on {len(train_set)} jets, validating on {len(valid_set)}", flush=True)
    folder = train(
        train_set, valid_set, args.out, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
        device=args.device, seed=args.seed, ema=args.ema, resume=not args.no_resume,
        log_every=args.log_every, time_limit=args.time_limit, valid_every=args.valid_every,
        valid_runs=args.valid_runs,
    )
    print(f"best model written to {folder}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main_train())
