"""A Model = representation + objective(backbone) + default sampler + condition prior."""

from __future__ import annotations

import abc
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from hepzoo._random import make_generator
from hepzoo.errors import ConfigError
from hepzoo.objectives.base import GenerativeObjective, Law
from hepzoo.prior import ConditionPrior
from hepzoo.representations.base import Representation
from hepzoo.samples import Samples

__all__ = ["Model", "resolve_device"]


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None``/"auto" -> cuda if available else cpu; a clear error for an unusable device."""
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ConfigError(f"unknown device {device!r} ({exc}); use 'cpu', 'cuda' or 'cuda:N'") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {device!r} asked for, but torch sees no CUDA GPU; use --device cpu")
    return dev


class Model(nn.Module, abc.ABC):
    """Base class of every family's model. Subclasses set ``family`` and ``config_cls`` (attrs).

    The state dict (weights, fitted preprocessing, prior tensors) is what ``model.safetensors``
    holds; ``config`` is what ``config.json`` holds. Subclasses build their parts in ``__init__``
    from the config and implement ``event_shape``/``condition_vector``/``postprocess``; the
    default ``generate_batch`` runs noise -> sampler -> postprocess, which fits every diffusion,
    flow-matching and (with the one-shot sampler) GAN family.
    """

    family: ClassVar[str]
    config_cls: ClassVar[type]
    representation: Representation
    objective: GenerativeObjective
    prior: ConditionPrior
    default_sampler: str = "heun"
    default_steps: int = 50
    default_batch_size: int = 1000

    def __init__(self, config: Any) -> None:
        super().__init__()
        self.config = config
        self.tag: str | None = None

    @classmethod
    def from_config(cls, config: Any) -> Model:
        return cls(config)

    @property
    def law(self) -> Law:
        return self.objective.law

    # -- hooks for families ----------------------------------------------------------------------
    @abc.abstractmethod
    def event_shape(self, cond: dict[str, torch.Tensor]) -> tuple[int, ...]:
        """Shape of one event in model space, e.g. ``(max_particles, 3)``."""

    def make_mask(self, cond: dict[str, torch.Tensor], device: torch.device) -> torch.Tensor | None:
        """Boolean ``[B, P]`` particle mask from the ``n_particles`` condition (point clouds)."""
        if "n_particles" not in cond:
            return None
        shape = self.event_shape(cond)
        counts = cond["n_particles"].round().long().to(device)
        return torch.arange(shape[0], device=device)[None, :] < counts[:, None]

    def condition_vector(self, cond: dict[str, torch.Tensor], device: torch.device) -> torch.Tensor | None:
        """Preprocessed ``[B, C]`` conditioning input of the backbone (None if unconditional)."""
        return None

    @abc.abstractmethod
    def postprocess(
        self, x: torch.Tensor, mask: torch.Tensor | None, cond: dict[str, torch.Tensor]
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Model space -> physical arrays ``(x, mask)`` for Samples."""

    def generate_batch(
        self, cond: dict[str, torch.Tensor], sampler, steps: int, generator: torch.Generator, device: torch.device
    ) -> tuple[np.ndarray, np.ndarray | None]:
        n = len(next(iter(cond.values()))) if cond else 0
        shape = (n, *self.event_shape(cond))
        mask = self.make_mask(cond, device)
        c = self.condition_vector(cond, device)
        x = self.objective.initial_noise(shape, generator, device)
        if mask is not None:
            x = x * mask.unsqueeze(-1)
        law_fn = self.objective.law_fn(c, mask)
        grid = self.objective.schedule(steps, device)
        x = sampler.load()(law_fn, x, grid, generator=generator, mask=mask)
        return self.postprocess(x, mask, cond)

    # -- the user's entry point ------------------------------------------------------------------
    def sample(
        self,
        n: int,
        cond: dict[str, float] | None = None,
        sampler: str | None = None,
        steps: int | None = None,
        seed: int | None = None,
        batch_size: int | None = None,
        device: str | torch.device | None = None,
        progress: bool = False,
    ) -> Samples:
        """Draw ``n`` events; conditions not given come from the model's prior.

        The same ``seed`` gives the same events (noise is drawn on the CPU, so also across
        devices up to floating-point precision).
        """
        from hepzoo.plugins.manager import get_registry

        if not isinstance(n, (int, np.integer)) or n <= 0:
            raise ConfigError(f"n must be a positive integer, got {n!r}")
        batch_size = int(batch_size or self.default_batch_size)
        if batch_size <= 0:
            raise ConfigError(f"batch_size must be positive, got {batch_size}")
        sampler_name = sampler or self.default_sampler
        spec = get_registry().sampler_spec(sampler_name)
        spec.check(self.law)
        steps = int(steps or self.default_steps)
        if steps <= 0:
            raise ConfigError(f"steps must be positive, got {steps}")
        dev = resolve_device(device)
        generator = make_generator(seed)
        conds = self.prior.sample(int(n), generator, given=cond)
        self.to(dev).eval()
        xs, masks = [], []
        bar = _progress(n, progress, f"sampling {self.tag or self.family}")
        start = time.perf_counter()
        with torch.inference_mode():
            for lo in range(0, n, batch_size):
                chunk = {k: v[lo : lo + batch_size] for k, v in conds.items()}
                x, mask = self.generate_batch(chunk, spec, steps, generator, dev)
                xs.append(x)
                masks.append(mask)
                bar.update(len(x))
        bar.close()
        elapsed = time.perf_counter() - start
        return Samples(
            x=np.concatenate(xs),
            representation=self.representation,
            mask=None if masks[0] is None else np.concatenate(masks),
            cond={k: v.cpu().numpy() for k, v in conds.items()},
            meta={
                "model": f"{self.family}/{self.tag}" if self.tag else self.family,
                "sampler": sampler_name,
                "steps": steps,
                "seed": seed,
                "device": str(dev),
                "seconds": elapsed,
            },
        )

    # -- persistence -----------------------------------------------------------------------------
    def save_pretrained(self, directory: str | Path, card=None) -> Path:
        """Write ``config.json``, ``model.safetensors`` and ``README.md`` (a Hub model card)."""
        from hepzoo.hub.local import save_pretrained

        return save_pretrained(self, directory, card=card)


class _NullBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool, desc: str):
    if not enabled:
        return _NullBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="ev")
