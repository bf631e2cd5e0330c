"""Consistency distillation of a trained PC-Droid CAE into ``pc-droid-cae-cd`` with hepzoo's engine.

As the authors distil PC-Droid (arXiv:2307.06836, rodem-hep/pcdroid ``paper_models/cd``): the
student starts from the teacher's EMA weights (a published model is its EMA), the teacher is
frozen, N = 30 Karras noise levels, a DPM-Solver-2 teacher step, a target network with EMA decay
0.99, RAdam at lr 1e-4 with 100 warm-up steps. Song et al. 2023 (arXiv:2303.01469) for the method.
Run as ``hepzoo train pc-droid-cae-cd --teacher ID_OR_DIR --data FILES --out DIR``.
"""

from __future__ import annotations

from pathlib import Path

import torch

from hepzoo.errors import ConfigError
from hepzoo.objectives import ODE_STEPS, distillation_sigmas, pf_ode_step
from hepzoo.samples import Samples
from hepzoo.training import ConsistencyDistillationStep, Metric
from hepzoo_pc_droid.config import FEATURES
from hepzoo_pc_droid.model import PcDroidCAE, PcDroidCAECD, PcDroidModel
from hepzoo_pc_droid.train import PcDroidCAERecipe, load_training_data

__all__ = ["PcDroidCAECDRecipe", "load_teacher", "one_step_gap"]

TEACHER = "teacher"


class PcDroidCAECDRecipe(PcDroidCAERecipe):
    """Family ``pc-droid-cae-cd`` for :func:`hepzoo.training.train`: a student distilled from ``--teacher``.

    The teacher is not saved with checkpoints; a resumed run loads it again from ``--teacher``
    (recorded with the run, so another teacher is refused). The best student minimises
    ``one_step_gap``: its one-step jets against the teacher's ODE solution from the same noise.
    """

    family = "pc-droid-cae-cd"
    model_cls = PcDroidCAECD
    defaults = {"lr": 1e-4, "warmup_steps": 100, "batch_size": 256, "epochs": 10,
                "clip_grad": 10.0}
    metrics = (Metric("one_step_gap"),)

    def __init__(self, teacher: str | None = None, distill_steps: int = 30, target_ema: float = 0.99,
                 ode_step: str = "dpm-2", sample_steps: int = 3, max_jets: int | None = None, window: int = 16,
                 valid_jets: int = 1000) -> None:
        self.args = dict(teacher=teacher, distill_steps=distill_steps, target_ema=target_ema, ode_step=ode_step,
                         sample_steps=sample_steps, max_jets=max_jets, window=window, valid_jets=valid_jets)
        self._valid: tuple | None = None
        self._teacher: PcDroidCAE | None = None

    def add_arguments(self, parser) -> None:
        parser.add_argument("--teacher", default=None,
                            help="the trained pc-droid-cae model to distil: a model id or a model folder")
        parser.add_argument("--distill-steps", type=int, default=30, help="N, the Karras noise levels (default 30)")
        parser.add_argument("--target-ema", type=float, default=0.99, help="EMA decay mu of the target network")
        parser.add_argument("--ode-step", choices=ODE_STEPS, default="dpm-2", help="the teacher's ODE step")
        parser.add_argument("--sample-steps", type=int, default=3, help="the student's default sampling steps")
        parser.add_argument("--max-jets", type=int, default=None, help="use only N jets (drawn from every file)")
        parser.add_argument("--window", type=int, default=16,
                            help="batches' worth of shuffled jets sorted by multiplicity before batching")
        parser.add_argument("--valid-jets", type=int, default=1000, help="held-out jets whose one-step gap selects "
                            "the student (the teacher solves their ODE once)")

    def run_options(self) -> dict:
        return dict(self.args)

    @property
    def teacher(self) -> PcDroidCAE:
        """The frozen teacher, loaded once from ``--teacher`` (refused in one line unless a pc-droid-cae)."""
        if self._teacher is None:
            self._teacher = load_teacher(self.args["teacher"])
        return self._teacher

    def load_data(self, data: str) -> tuple[Samples, Samples]:
        self._check_options()
        max_particles = self.teacher.config.max_particles  # the teacher is checked before any data is read
        return load_training_data(data, max_particles, self.args["max_jets"])

    def build_model(self, train: Samples) -> PcDroidCAECD:
        self._check_options()
        return PcDroidCAECD.from_teacher(self.teacher, self.args["sample_steps"])

    def networks(self, model: PcDroidModel) -> dict:
        return {TEACHER: self.teacher.requires_grad_(False)}

    def make_optimizer(self, name, params, options) -> torch.optim.Optimizer:
        """RAdam (the authors'), with the run's lr, betas, eps and weight decay."""
        return torch.optim.RAdam(params, lr=options.lr, betas=tuple(options.betas), eps=options.eps,
                                 weight_decay=options.weight_decay)

    def make_step(self, model: PcDroidCAECD, networks: dict) -> ConsistencyDistillationStep:
        return ConsistencyDistillationStep(model.objective, networks[TEACHER].objective,
                                           steps=self.args["distill_steps"], mu=self.args["target_ema"],
                                           ode_step=self.args["ode_step"])

    def validate(self, model: PcDroidCAECD, valid: Samples, device: torch.device, seed: int) -> dict[str, float]:
        if self._valid is None or self._valid[0] is not valid or self._valid[1] != device:
            subset = valid[: self.args["valid_jets"]]
            _, cond, mask = model.network_inputs(subset)
            solved = teacher_solutions(self.teacher, cond, mask, device, seed, self.args["distill_steps"],
                                       self.args["ode_step"])
            self._valid = (valid, device, solved)
        return {"one_step_gap": one_step_gap(model, self._valid[2])}

    def _check_options(self) -> None:
        if self.args["teacher"] is None:
            raise ConfigError("pc-droid-cae-cd is distilled from a teacher; pass --teacher ID_OR_DIR")
        if int(self.args["distill_steps"]) < 2:
            raise ConfigError(f"--distill-steps must be at least 2, got {self.args['distill_steps']}")
        if not 0.0 <= float(self.args["target_ema"]) < 1.0:
            raise ConfigError(f"--target-ema must be in [0, 1), e.g. 0.99; got {self.args['target_ema']}")
        if int(self.args["sample_steps"]) < 1:
            raise ConfigError(f"--sample-steps must be a positive integer, got {self.args['sample_steps']}")


def load_teacher(source: str) -> PcDroidCAE:
    """A ``pc-droid-cae`` model from an id, a model folder or a run folder; anything else is refused in one line."""
    import hepzoo
    from hepzoo.hub import CONFIG_NAME

    if not str(source).strip():
        raise ConfigError("--teacher is empty; pass a trained pc-droid-cae model (its id or folder)")
    path = Path(str(source))
    if path.is_dir() and not (path / CONFIG_NAME).is_file():
        exported = [path / sub for sub in ("model", "best") if (path / sub / CONFIG_NAME).is_file()]
        if exported:
            path = exported[0]  # a training run's folder: its final model, else its best so far
        elif (path / "checkpoint.json").is_file() or (path / "train_log.jsonl").is_file():
            raise ConfigError(f"--teacher {source} is a training run that has exported no model yet (model/ or "
                              "best/); let it validate or finish, or pass a model folder")
    name = f"local-dir:{path}" if path.is_dir() and ":" not in str(source) else str(source)
    teacher = hepzoo.load(name)
    if type(teacher) is not PcDroidCAE:
        raise ConfigError(
            f"--teacher {source} is a {teacher.family} model; pc-droid-cae-cd is distilled from a trained "
            "pc-droid-cae model (its id or folder)"
        )
    return teacher.eval()


@torch.no_grad()
def teacher_solutions(teacher: PcDroidCAE, cond: torch.Tensor, mask: torch.Tensor, device: torch.device, seed: int,
                      steps: int, ode_step: str, batch_size: int = 256) -> list[tuple[torch.Tensor, ...]]:
    """Per batch (sorted by multiplicity): ``(noise at sigma_max, teacher's ODE solution, cond, mask)``.

    The teacher integrates the probability-flow ODE over the ``steps`` Karras noise levels the
    student is distilled on, with the distillation's own ODE step.
    """
    generator = torch.Generator(device=device).manual_seed(seed)
    edm = teacher.objective
    sigmas = distillation_sigmas(steps, edm.sigma_min, edm.sigma_max, edm.rho, device=device)
    counts = mask.sum(1)
    out = []
    for idx in torch.argsort(counts).split(batch_size):
        n = int(counts[idx].max())
        c, m = cond[idx].to(device), mask[idx, :n].to(device)
        noise = edm.draw_noise((len(idx), n, len(FEATURES)), m, generator, device)
        denoise = edm.law_fn(c, m)
        x = noise
        for s, s_next in zip(sigmas[:-1], sigmas[1:]):
            x = pf_ode_step(denoise, x, s.expand(len(idx)), s_next.expand(len(idx)), ode_step)
        out.append((noise, x, c, m))
    return out


@torch.no_grad()
def one_step_gap(student: PcDroidCAECD, solved: list[tuple[torch.Tensor, ...]]) -> float:
    """Mean squared distance (per real particle feature) of ``f(noise, sigma_max)`` to the teacher's solutions."""
    cd = student.objective
    total, weight = 0.0, 0
    for noise, x, c, m in solved:
        out = cd.denoise(noise, torch.tensor(cd.sigma_max, device=noise.device), c, m)
        real = int(m.sum()) * noise.shape[-1]
        total += float(((out - x) ** 2)[m].sum())
        weight += real
    return total / max(weight, 1)
