"""The engine's options (one attrs class for every family), checked once, with one-line errors."""

from __future__ import annotations

import math

import attrs

from hepzoo.errors import ConfigError

__all__ = ["TrainOptions", "SCHEDULES", "OPTIMIZERS"]

SCHEDULES = ("constant", "cosine")
OPTIMIZERS = ("adam", "adamw")


@attrs.define(frozen=True)
class TrainOptions:
    """How long, how fast and how safely to train; a family's recipe sets the defaults.

    ``epochs``/``steps``/``time_limit`` (seconds) each stop the run, whichever comes first.
    ``lr_schedule`` is ``constant`` or ``cosine`` (to ``min_lr_ratio * lr`` at the last step), both
    after ``warmup_steps`` of linear warm-up; the cosine's horizon is the run's total steps, so
    changing ``epochs``/``steps`` on resume bends the curve from there on. ``bf16`` None means
    autocast on CUDA, off on CPU. ``compile`` runs the networks the step calls through
    ``torch.compile`` (dynamic shapes; :mod:`hepzoo.training.compiled`); it changes speed, not the
    run, so a run may be resumed with or without it (continuing to float rounding, not bit for bit).
    Checkpoints are written every ``checkpoint_every`` steps and every ``checkpoint_every_minutes``.
    """

    epochs: int = 10
    steps: int | None = None
    batch_size: int = 128
    lr: float = 1e-4
    optimizer: str = "adam"
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    lr_schedule: str = "constant"
    warmup_steps: int = 0
    min_lr_ratio: float = 0.0
    clip_grad: float | None = None
    ema: float | None = None
    bf16: bool | None = None
    compile: bool = False
    threads: int | None = None
    device: str | None = None
    seed: int = 0
    time_limit: float | None = None
    checkpoint_every: int = 1000
    checkpoint_every_minutes: float = 10.0
    valid_every: int | None = None
    log_every: int = 100
    quiet: bool = False

    def __attrs_post_init__(self) -> None:
        checks = [
            (self.epochs >= 1, f"--epochs must be >= 1, got {self.epochs}"),
            (self.steps is None or self.steps >= 1, f"--steps must be >= 1, got {self.steps}"),
            (self.batch_size >= 1, f"--batch-size must be >= 1, got {self.batch_size}"),
            (math.isfinite(self.lr) and self.lr > 0, f"--lr must be positive, got {self.lr}"),
            (self.optimizer in OPTIMIZERS, f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}"),
            (self.lr_schedule in SCHEDULES, f"--lr-schedule must be one of {SCHEDULES}, got {self.lr_schedule!r}"),
            (self.warmup_steps >= 0, f"--warmup-steps must be >= 0, got {self.warmup_steps}"),
            (0.0 <= self.min_lr_ratio <= 1.0, f"--min-lr-ratio must be in [0, 1], got {self.min_lr_ratio}"),
            (self.clip_grad is None or self.clip_grad > 0, f"--clip-grad must be positive, got {self.clip_grad}"),
            (self.ema is None or 0.0 < self.ema < 1.0, f"--ema must be a decay in (0, 1), e.g. 0.999; got {self.ema}"),
            (self.threads is None or self.threads >= 1, f"--threads must be >= 1, got {self.threads}"),
            (self.time_limit is None or self.time_limit > 0, f"--time-limit must be positive, got {self.time_limit}"),
            (self.checkpoint_every >= 1, f"--checkpoint-every must be >= 1, got {self.checkpoint_every}"),
            (self.checkpoint_every_minutes > 0,
             f"--checkpoint-every-minutes must be positive, got {self.checkpoint_every_minutes}"),
            (self.valid_every is None or self.valid_every >= 1, f"--valid-every must be >= 1, got {self.valid_every}"),
            (self.log_every >= 1, f"--log-every must be >= 1, got {self.log_every}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
