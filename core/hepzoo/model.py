"""A Model = representation + objective(backbone) + default sampler + condition prior."""

from __future__ import annotations

import abc
import secrets
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from hepzoo._random import make_generator
from hepzoo.conditions import Condition, check_given
from hepzoo.errors import ConfigError
from hepzoo.masking import mask_from_counts
from hepzoo.objectives._common import positive_int
from hepzoo.objectives.base import GenerativeObjective, Law, LawFn
from hepzoo.prior import ConditionPrior
from hepzoo.representations.base import Representation
from hepzoo.samplers.base import SamplerSpec
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
    from the config, declare their ``conditions`` (empty: unconditional, no prior needed) and
    implement ``event_shape``/``condition_vector``/``postprocess``. ``generate_batch`` runs
    noise -> sampler -> postprocess for every family: diffusion, flow matching and (with the
    one-shot sampler and the latent contract of ``hepzoo.objectives.latents``) GANs.
    """

    family: ClassVar[str]
    config_cls: ClassVar[type]
    representation: Representation
    objective: GenerativeObjective
    prior: ConditionPrior  # optional: absent on unconditional models
    conditions: tuple[Condition, ...] = ()
    default_sampler: str = "heun"
    default_steps: int = 50
    default_batch_size: int = 1000

    def __init__(self, config: Any) -> None:
        super().__init__()
        self.config = config
        self.tag: str | None = None
        self.source: str | None = None  # where it was loaded from when not a registered id (local-dir:, hf-hub:)

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
        return mask_from_counts(cond["n_particles"].to(device), self.event_shape(cond)[0])

    def condition_vector(self, cond: dict[str, torch.Tensor], device: torch.device) -> torch.Tensor | None:
        """Preprocessed ``[B, C]`` conditioning input of the backbone (None if unconditional)."""
        return None

    def sampling_law(self, c: torch.Tensor | None, mask: torch.Tensor | None, device: torch.device) -> LawFn:
        """The law the sampler integrates; a family may bind a faster copy of its backbone here."""
        return self.objective.law_fn(c, mask)

    @abc.abstractmethod
    def postprocess(
        self, x: torch.Tensor, mask: torch.Tensor | None, cond: dict[str, torch.Tensor]
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Model space -> physical arrays ``(x, mask)`` for Samples."""

    def generate_batch(
        self,
        n: int,
        cond: dict[str, torch.Tensor],
        sampler: SamplerSpec,
        grid: torch.Tensor,
        generator: torch.Generator,
        device: torch.device,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """``n`` events: noise (drawn on ``generator``) -> sampler on ``grid`` -> postprocess."""
        mask = self.make_mask(cond, device)
        c = self.condition_vector(cond, device)
        x = self.objective.draw_noise((n, *self.event_shape(cond)), mask, generator, device)
        law_fn = self.sampling_law(c, mask, device)
        x = sampler.load()(law_fn, x, grid, generator=generator, mask=mask, **(options or {}))
        return self.postprocess(x, mask, cond)

    def draw_conditions(self, n: int, generator: torch.Generator, given=None) -> dict[str, torch.Tensor]:
        """Per-event conditions: the given ones (checked against ``conditions``), the rest from the prior."""
        fixed = check_given(self.conditions, given, n)
        if not self.conditions:
            return {}
        prior = getattr(self, "prior", None)
        if prior is None:
            missing = [c.name for c in self.conditions if c.name not in fixed]
            if missing:
                raise ConfigError(f"this model has no prior for {missing}; give them with cond={{...}}")
            return {k: torch.as_tensor(v, dtype=torch.float32).reshape(-1).expand(n).clone() for k, v in fixed.items()}
        return prior.sample(n, generator, given=fixed or None)

    # -- the user's entry point ------------------------------------------------------------------
    def sample(
        self,
        n: int,
        cond: dict[str, Any] | None = None,
        sampler: str | None = None,
        steps: int | None = None,
        seed: int | None = None,
        batch_size: int | None = None,
        device: str | torch.device | None = None,
        progress: bool = False,
        **sampler_options: Any,
    ) -> Samples:
        """Draw ``n`` events; conditions not given come from the model's prior.

        ``cond`` fixes declared conditions (a categorical one by label, e.g. ``{"type": "top"}``,
        or index; a number or one value per event otherwise). ``sampler_options`` go to the
        sampler (e.g. ``s_churn=40`` for heun, ``eta=0.5`` for ddim). The events are a function of
        (``seed``, ``batch_size``, device): noise is drawn batch by batch on the sampling device, so
        another batch size or CPU vs CUDA gives different (each reproducible) events; the drawn
        conditions depend on the seed only. ``meta`` records all three; without a ``seed`` one is
        drawn from the OS and recorded, so every file can be remade.
        """
        from hepzoo.plugins.manager import get_registry

        n = positive_int("n", n)
        batch_size = positive_int("batch_size", self.default_batch_size if batch_size is None else batch_size)
        sampler_name = sampler or self.default_sampler
        spec = get_registry().sampler_spec(sampler_name)
        spec.check(self.law)
        options = spec.check_options(sampler_options)
        if steps is None:
            steps = self.default_steps if sampler_name == self.default_sampler else spec.default_steps
        steps = positive_int("steps", steps)
        dev = resolve_device(device)
        if seed is None:
            seed = secrets.randbits(63)  # fresh from the OS, recorded below
        prior_generator = make_generator(seed)
        noise_generator = prior_generator if dev.type == "cpu" else make_generator(seed, dev)
        conds = self.draw_conditions(n, prior_generator, cond)
        self.to(dev).eval()
        grid = spec.make_grid(self.objective, steps, dev)
        xs, masks = [], []
        bar = _progress(n, progress, f"sampling {self.tag or self.family}")
        start = time.perf_counter()
        with torch.inference_mode():
            for lo in range(0, n, batch_size):
                hi = min(lo + batch_size, n)
                chunk = {k: v[lo:hi] for k, v in conds.items()}
                x, mask = self.generate_batch(hi - lo, chunk, spec, grid, noise_generator, dev, options)
                xs.append(x)
                masks.append(mask)
                bar.update(len(x))
        bar.close()
        elapsed = time.perf_counter() - start
        return Samples(
            x=np.concatenate(xs),
            representation=self.representation,
            mask=None if masks[0] is None else np.concatenate(masks),
            cond=self._condition_arrays(conds),
            meta={
                "model": self.source or (f"{self.family}/{self.tag}" if self.tag else self.family),
                "sampler": sampler_name,
                "steps": steps,
                **({"sampler_options": options} if options else {}),
                "seed": int(seed),
                "batch_size": batch_size,
                "device": str(dev),
                "seconds": elapsed,
            },
        )

    def _condition_arrays(self, conds: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
        """Drawn conditions as arrays: int64 for declared integer and categorical ones."""
        discrete = {c.name for c in self.conditions if c.discrete}
        return {k: v.cpu().numpy().astype(np.int64) if k in discrete else v.cpu().numpy() for k, v in conds.items()}

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
