"""The training loop every family shares: steps, EMA, schedule, checkpoints, validation, time limit."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import math
import signal
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hepzoo._random import make_generator
from hepzoo.config import unstructure
from hepzoo.errors import ConfigError, HepzooError
from hepzoo.model import resolve_device
from hepzoo.samples import Samples
from hepzoo.training.checkpoint import (
    flatten_optimizer,
    load_checkpoint,
    prefixed,
    save_checkpoint,
    sub_state,
    unflatten_optimizer,
)
from hepzoo.training.compiled import compile_targets, compiled_networks, eager
from hepzoo.training.ema import EMA
from hepzoo.training.log import JsonlLog, progress_bar
from hepzoo.training.options import TrainOptions
from hepzoo.training.recipe import Recipe
from hepzoo.training.schedule import lr_factor
from hepzoo.training.selection import metric_scales, selection_score
from hepzoo.training.steps import MODEL, StepContext

__all__ = ["train", "check_run_folder", "data_fingerprint", "LOG", "BEST", "FINAL"]

LOG = "train_log.jsonl"
BEST = "best"  # the running best model (a save_pretrained folder)
FINAL = "model"  # the best model, written at the end


def data_fingerprint(*parts: Samples) -> str:
    """sha256 over the arrays (events, masks, conditions) of ``parts``: what a resume must match."""
    digest = hashlib.sha256()
    for samples in parts:
        arrays = [samples.x, samples.mask] + [samples.cond[k] for k in sorted(samples.cond or {})]
        for a in arrays:
            if a is not None:
                a = np.ascontiguousarray(a)
                digest.update(f"{a.dtype}{a.shape}".encode())
                digest.update(a.tobytes())
    return digest.hexdigest()


@contextlib.contextmanager
def _stop_requests():
    """SIGTERM / the first Ctrl-C ask the loop to stop after the current step (then it checkpoints).

    A second Ctrl-C interrupts at once. Outside the main thread nothing is installed.
    """
    flag = {"stop": False}
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def request(signum, frame):
        flag["stop"] = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = {sig: signal.signal(sig, request) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def check_run_folder(out_dir: str | Path) -> Path:
    """Refuse an ``--out`` whose run folder, ``best/`` or ``model/`` would overwrite a user's files, before any work."""
    from hepzoo.atomic import check_folder_target
    from hepzoo.hub.local import is_model_folder
    from hepzoo.training.checkpoint import RECORD

    own = (RECORD, LOG, BEST, FINAL)

    def is_run_folder(path: Path) -> bool:
        return any((path / name).exists() for name in own)

    out = check_folder_target(out_dir, is_run_folder, what="hepzoo run folder")
    for name in (BEST, FINAL):
        check_folder_target(out / name, is_model_folder, what="hepzoo model folder")
    return out


def _order_generator(seed: int, epoch: int) -> torch.Generator:
    """The data order of one epoch depends on (seed, epoch) only, never on the training noise."""
    return make_generator(seed * 100_003 + epoch)


def _run_identity(recipe: Recipe, model, train_data: Samples, valid_data: Samples, options: TrainOptions) -> dict:
    return {
        "family": recipe.family,
        "model_config": unstructure(model.config),
        "recipe_options": {k: v for k, v in sorted(recipe.run_options().items())},
        "data_sha256": data_fingerprint(train_data, valid_data),
        "seed": options.seed,
        "batch_size": options.batch_size,
    }


def _check_identity(saved: dict, now: dict, out: Path) -> None:
    diff = [k for k in now if saved.get(k) != now[k]]
    if diff:
        what = ", ".join(diff)
        raise ConfigError(
            f"{out} holds a run with other {what} than asked now; resume with the same data and options, "
            "or use a new --out (or --no-resume to start over there)"
        )


def train(
    recipe: Recipe,
    train_data: Samples,
    valid_data: Samples,
    out_dir: str | Path,
    options: TrainOptions | None = None,
    resume: bool = True,
) -> Path:
    """Train ``recipe``'s model on ``train_data``, select on ``valid_data``; returns ``out_dir/model``.

    ``out_dir`` holds ``checkpoint.json`` + ``checkpoint-*.safetensors`` (everything a bit-identical
    resume needs: networks, optimisers, EMA, RNG states, step, epoch, position in the epoch's data
    order, best score), ``best/`` (the running best model, ``save_pretrained``), ``train_log.jsonl``
    and, at the end, ``model/`` (the best model). Calling it again on the same ``out_dir`` resumes;
    a run on other data or options is refused. The lr, EMA, epochs/steps and time limit may change
    on resume (a second phase); the data order, noise and weights continue exactly. SIGTERM or
    Ctrl-C stop after the current step, checkpointed and exported, like the time limit.
    """
    options = options or TrainOptions(**recipe.defaults)
    start = time.monotonic()
    check_run_folder(out_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if options.threads:
        torch.set_num_threads(options.threads)
    dev = resolve_device(options.device)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
    bf16 = dev.type == "cuda" if options.bf16 is None else options.bf16
    log = JsonlLog(out / LOG)

    torch.manual_seed(options.seed)
    model = recipe.build_model(train_data).to(dev).train()
    networks = {MODEL: model, **{k: v.to(dev) for k, v in recipe.networks(model).items()}}
    trained = {name for name, net in networks.items() if any(p.requires_grad for p in net.parameters())}
    for name, net in networks.items():  # a frozen teacher runs in eval mode and is rebuilt, not saved
        net.train(name in trained)
    optimizers = {
        name: recipe.make_optimizer(name, [p for p in net.parameters() if p.requires_grad], options)
        for name, net in networks.items()
        if name in trained
    }
    for opt in optimizers.values():  # each group's lr relative to --lr, kept through schedule and resume
        for group in opt.param_groups:
            group["lr_scale"] = group["lr"] / options.lr
    step_fn = recipe.make_step(model, networks)
    noise = torch.Generator(device=dev)
    noise.manual_seed(options.seed)
    ctx = StepContext(networks, optimizers, dev, noise, bf16=bf16, clip_grad=options.clip_grad)

    prepared = recipe.prepare(model, train_data, dev)
    steps_per_epoch = len(recipe.epoch_batches(prepared, options.batch_size, _order_generator(options.seed, 0)))
    if steps_per_epoch == 0:
        raise ConfigError("the training set gives no batch; pass more data or a smaller --batch-size")
    total_steps = options.epochs * steps_per_epoch
    if options.steps is not None:
        total_steps = min(total_steps, options.steps)

    identity = _run_identity(recipe, model, train_data, valid_data, options)
    state: dict[str, Any] = {"step": 0, "epoch": 0, "position": 0, "best": None, "scales": None, "train_seconds": 0.0}
    ema: EMA | None = None
    loaded = load_checkpoint(out) if resume else None
    if loaded is not None:
        tensors, record = loaded
        _check_identity(record["identity"], identity, out)
        for name in trained:
            networks[name].load_state_dict(sub_state(tensors, f"net.{name}"), strict=True)
        for name, opt in optimizers.items():
            unflatten_optimizer(opt, tensors, record["param_groups"][name], f"opt.{name}")
        noise.set_state(tensors["rng.device"])
        torch.set_rng_state(tensors["rng.torch"])
        if dev.type == "cuda" and "rng.cuda" in tensors:
            torch.cuda.set_rng_state(tensors["rng.cuda"], dev)
        step_fn.load_state_tensors(sub_state(tensors, "step"))
        state = record["state"]
        if options.ema is not None:
            ema = EMA(model, options.ema)
            if any(k.startswith("ema.") for k in tensors):
                ema.shadow.load_state_dict(sub_state(tensors, "ema"), strict=True)
        log("resume", step=state["step"], epoch=state["epoch"], lr=options.lr, ema=options.ema, bf16=bf16)
    else:
        ema = EMA(model, options.ema) if options.ema is not None else None
        log("start", family=recipe.family, steps_per_epoch=steps_per_epoch, total_steps=total_steps,
            device=str(dev), bf16=bf16, threads=torch.get_num_threads(), options=unstructure(options))

    def save() -> float:
        t0 = time.monotonic()
        tensors: dict[str, torch.Tensor] = {}
        groups = {}
        for name in trained:
            tensors.update(prefixed(f"net.{name}", networks[name].state_dict()))
        for name, opt in optimizers.items():
            flat, groups[name] = flatten_optimizer(opt, f"opt.{name}")
            tensors.update(flat)
        if ema is not None:
            tensors.update(prefixed("ema", ema.copy_buffers(model).state_dict()))
        tensors.update(prefixed("step", step_fn.state_tensors()))
        tensors["rng.device"] = noise.get_state()
        tensors["rng.torch"] = torch.get_rng_state()
        if dev.type == "cuda":
            tensors["rng.cuda"] = torch.cuda.get_rng_state(dev)
        save_checkpoint(out, tensors, {"identity": identity, "state": state, "param_groups": groups,
                                       "steps_per_epoch": steps_per_epoch})
        return time.monotonic() - t0

    costs = {"valid": 0.0, "save": 0.0}
    compiled = compile_targets(networks) if options.compile else []

    def validate() -> bool:
        """Score the (EMA) model; keep it in ``best/`` if it beats the best so far; True if it did."""
        t0 = time.monotonic()
        scored = ema.copy_buffers(model) if ema is not None else model
        was_training = scored.training
        scored.eval()
        with torch.no_grad(), eager(compiled):
            values = {k: float(v) for k, v in recipe.validate(scored, valid_data, dev, options.seed + 1).items()}
        if state["scales"] is None:
            state["scales"] = metric_scales(recipe.metrics, values)
        score = selection_score(values, state["scales"])
        best = state["best"]
        improved = best is None or score < best["score"]
        if improved:
            scored.save_pretrained(out / BEST)
            state["best"] = {"score": score, "step": state["step"], "epoch": state["epoch"], "metrics": values}
        scored.train(was_training)
        costs["valid"] = time.monotonic() - t0
        log("valid", step=state["step"], epoch=state["epoch"], score=score, best=improved,
            seconds=round(costs["valid"], 3), **values)
        return improved

    if loaded is not None and (state["step"] >= total_steps or state["epoch"] >= options.epochs):
        print(f"{out} already reached step {state['step']} (epoch {state['epoch']}), the most asked for; nothing was "
              "trained: pass a larger --steps or --epochs to train on", flush=True)
    bar = progress_bar(total_steps, state["step"], options.quiet)
    stopped_by = None
    sums: dict[str, torch.Tensor] = {}
    count, last_log, last_save = 0, time.monotonic(), time.monotonic()
    with contextlib.ExitStack() as stack:
        stack.callback(bar.close)
        stop = stack.enter_context(_stop_requests())
        # compiled after the EMA's copy was made and undone before the final copy (see compiled.py)
        stack.enter_context(compiled_networks(compiled))
        while stopped_by is None and state["epoch"] < options.epochs and state["step"] < total_steps:
            batches = recipe.epoch_batches(prepared, options.batch_size, _order_generator(options.seed, state["epoch"]))
            for position in range(state["position"], len(batches)):
                if stop["stop"]:
                    stopped_by = "signal"
                    break
                if options.time_limit is not None:
                    margin = 2.0 * costs["valid"] + 2.0 * costs["save"] + 5.0
                    if time.monotonic() - start > options.time_limit - margin:
                        stopped_by = "time_limit"
                        break
                if state["step"] >= total_steps:
                    stopped_by = "steps"
                    break
                lr = options.lr * lr_factor(state["step"], total_steps, options.warmup_steps,
                                            options.lr_schedule, options.min_lr_ratio)
                for opt in optimizers.values():
                    for group in opt.param_groups:
                        group["lr"] = lr * group["lr_scale"]
                t_step = time.monotonic()
                losses = step_fn(batches[position], ctx)
                if ema is not None:
                    ema.update(model)
                state["train_seconds"] += time.monotonic() - t_step
                state["step"] += 1
                state["position"] = position + 1
                for k, v in losses.items():
                    sums[k] = sums.get(k, 0.0) + v.detach().float()
                count += 1
                bar.update(1)
                if state["step"] % options.log_every == 0:
                    means = {k: float(v) / count for k, v in sums.items()}
                    now = time.monotonic()
                    log("train", step=state["step"], epoch=state["epoch"], lr=lr,
                        steps_per_s=round(count / max(now - last_log, 1e-9), 3), **means)
                    if not all(math.isfinite(v) for v in means.values()):
                        raise HepzooError(
                            f"training diverged (non-finite loss at step {state['step']}); lower --lr, or "
                            f"resume {out} from its last checkpoint with a lower --lr"
                        )
                    bar.set_postfix({k: f"{v:.4g}" for k, v in means.items()}, refresh=False)
                    sums, count, last_log = {}, 0, now
                # a new best is checkpointed at once, so best/ and the checkpoint's record agree
                improved = bool(options.valid_every) and state["step"] % options.valid_every == 0 and validate()
                if (improved or state["step"] % options.checkpoint_every == 0
                        or time.monotonic() - last_save >= 60.0 * options.checkpoint_every_minutes):
                    costs["save"] = save()
                    last_save = time.monotonic()
            else:
                state["epoch"] += 1
                state["position"] = 0
                validate()
                costs["save"] = save()
                last_save = time.monotonic()
    if state["best"] is None:
        validate()
    costs["save"] = save()
    final = copy.deepcopy(ema.copy_buffers(model) if ema is not None else model)
    _load_best(final, out / BEST)
    folder = final.eval().save_pretrained(out / FINAL)
    log("done", stopped_by=stopped_by or "epochs", step=state["step"], epoch=state["epoch"], best=state["best"],
        seconds=round(time.monotonic() - start, 1), train_seconds=round(state["train_seconds"], 1))
    return folder


def _load_best(model, folder: Path) -> None:
    from safetensors.torch import load_file

    from hepzoo.hub.local import WEIGHTS_NAME, load_state_strict

    load_state_strict(model, load_file(str(folder / WEIGHTS_NAME)), str(folder / WEIGHTS_NAME))
