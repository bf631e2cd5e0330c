"""A Model = representation + objective(backbone) + default sampler + condition prior."""

from __future__ import annotations

import abc
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from hepzoo._random import make_generator
from hepzoo.conditions import Condition, check_given
from hepzoo.config import positive_int
from hepzoo.errors import ConfigError
from hepzoo.masking import mask_from_counts
from hepzoo.objectives.base import GenerativeObjective, Law, LawFn
from hepzoo.prior import ConditionPrior
from hepzoo.representations.base import Representation
from hepzoo.samplers.base import SamplerSpec
from hepzoo.samples import Samples

__all__ = ["Model", "resolve_device", "check_seed", "MAX_SEED"]

MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed takes a signed 64-bit integer


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None``/"auto" -> cuda if available else cpu; a clear error for an unusable device."""
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(f"unknown device {device!r} ({exc}); use 'cpu', 'cuda' or 'cuda:N'") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(f"device {device!r} asked for, but torch sees no CUDA GPU; use --device cpu")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ConfigError(
                f"device {device!r} asked for, but torch sees {torch.cuda.device_count()} GPU(s); "
                f"use cuda:0 to cuda:{torch.cuda.device_count() - 1}"
            )
    elif dev.type == "mps":
        if not torch.backends.mps.is_available():
            raise ConfigError(f"device {device!r} asked for, but torch sees no Apple GPU; use --device cpu")
    elif dev.type != "cpu":
        raise ConfigError(f"device {device!r} cannot run a model; use 'cpu', 'cuda' or 'cuda:N'")
    return dev


def check_seed(seed: int | None) -> int:
    """``seed`` if it is an integer in [0, 2^63 - 1]; without one, a fresh one from the OS (to record)."""
    if seed is None:
        return secrets.randbits(63)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"seed must be an integer from 0 to 2^63-1 = {MAX_SEED}, got {seed!r}")
    return int(seed)


def _available_memory() -> int | None:
    """Bytes of memory this machine can still give (MemAvailable), None where it cannot tell."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


# bytes per event and condition that drawing conditions holds at its peak (indices, values, jitter, copies)
_CONDITION_BYTES_PER_EVENT = 64


def _check_condition_memory(n: int, n_conditions: int) -> None:
    """Refuse up front an ``n`` whose per-event conditions cannot fit in memory (they are drawn at once)."""
    if not n_conditions:
        return
    need = n * n_conditions * _CONDITION_BYTES_PER_EVENT
    free = _available_memory()
    if free is not None and need > free:
        raise ConfigError(
            f"-n {n} events need about {need / 1e9:,.0f} GB of memory for their conditions alone, and this "
            f"machine has {free / 1e9:,.1f} GB free; sample fewer events per run (distinct --seed) and "
            "join the files with 'hepzoo data merge'"
        )


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
        self.pinned_conditions: dict[str, float | int] = {}
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

    def pin_conditions(self, values: dict[str, Any]) -> None:
        """Fix conditions for every draw: a registry id may publish one model per value of a condition.

        ``pc-droid-cae/jetnet150-top`` is the all-type model with ``type`` pinned to top; its users
        may leave the pinned condition out of ``cond`` or repeat its value, never change it.
        """
        fixed = check_given(self.conditions, values)
        for name, value in fixed.items():
            if np.ndim(value) != 0:
                raise ConfigError(f"a pinned condition takes one value, got {len(value)} for {name!r}")
        self.pinned_conditions = fixed

    def draw_conditions(self, n: int, generator: torch.Generator, given=None) -> dict[str, torch.Tensor]:
        """Per-event conditions: the given and pinned ones (checked against ``conditions``), the rest from the prior."""
        fixed = check_given(self.conditions, given, n)
        for name, value in self.pinned_conditions.items():
            if name in fixed and not np.all(np.asarray(fixed[name]) == value):
                declared = {c.name: c for c in self.conditions}[name]
                shown = declared.labels[int(value)] if declared.kind == "categorical" else value
                raise ConfigError(
                    f"model {self.tag or self.family} fixes {name}={shown}; leave {name!r} out of cond, or "
                    "load the model id that does not fix it"
                )
            fixed[name] = value
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
        drawn from the OS and recorded, so every file can be remade. ``sample_batches`` yields the
        same events batch by batch (to write a file of any size).
        """
        parts = list(self.sample_batches(n, cond, sampler, steps, seed, batch_size, device, progress,
                                         **sampler_options))
        out = Samples.concatenate(parts)
        out.meta = parts[-1].meta  # its "seconds" covers every batch
        return out

    def sample_batches(
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
    ) -> Iterator[Samples]:
        """``sample``'s events as Samples of ``batch_size`` events each, made as they are asked for.

        Arguments as ``sample``; nothing runs until the first batch is asked for. Only the
        per-event conditions of all ``n`` events are held (drawn first, as ``sample`` does, so the
        events are the same); a request whose conditions cannot fit in memory is refused up front.
        Each batch's ``meta`` holds ``seconds`` spent so far.
        """
        n = positive_int("n", n)
        batch_size = positive_int("batch_size", self.default_batch_size if batch_size is None else batch_size)
        sampler_name, spec, steps, options = self.sampling_plan(sampler, steps, **sampler_options)
        dev = resolve_device(device)
        seed = check_seed(seed)
        _check_condition_memory(n, len(self.conditions))
        prior_generator = make_generator(seed)
        noise_generator = prior_generator if dev.type == "cpu" else make_generator(seed, dev)
        conds = self.draw_conditions(n, prior_generator, cond)
        arrays = self._condition_arrays(conds)
        self.to(dev).eval()
        grid = spec.make_grid(self.objective, steps, dev)
        meta = {
            "model": self.source or (f"{self.family}/{self.tag}" if self.tag else self.family),
            "sampler": sampler_name,
            "steps": steps,
            **({"sampler_options": options} if options else {}),
            "seed": int(seed),
            "batch_size": batch_size,
            "device": str(dev),
        }
        bar = _progress(n, progress, f"sampling {self.tag or self.family}")
        elapsed = 0.0
        try:
            for lo in range(0, n, batch_size):
                hi = min(lo + batch_size, n)
                chunk = {k: v[lo:hi] for k, v in conds.items()}
                start = time.perf_counter()
                with torch.inference_mode():
                    x, mask = self.generate_batch(hi - lo, chunk, spec, grid, noise_generator, dev, options)
                elapsed += time.perf_counter() - start
                bar.update(len(x))
                yield Samples(
                    x=x,
                    representation=self.representation,
                    mask=mask,
                    cond={k: v[lo:hi] for k, v in arrays.items()},
                    meta={**meta, "seconds": elapsed},
                )
        finally:
            bar.close()

    def sampling_plan(
        self, sampler: str | None = None, steps: int | None = None, **sampler_options: Any
    ) -> tuple[str, SamplerSpec, int, dict[str, Any]]:
        """``(name, spec, steps, options)`` that ``sample`` would use; refuses what it would refuse, without sampling.

        The sampler must accept this model's law, its options must be the sampler's own and
        ``steps`` a positive integer (1 for a one-pass sampler); default steps as ``sample``'s.
        """
        from hepzoo.plugins.manager import get_registry

        sampler_name = sampler or self.default_sampler
        spec = get_registry().sampler_spec(sampler_name)
        spec.check(self.law)
        options = spec.check_options(sampler_options)
        if steps is None:
            steps = self.default_steps if sampler_name == self.default_sampler else spec.default_steps
        steps = positive_int("steps", steps)
        if not spec.takes_steps and steps != 1:
            raise ConfigError(
                f"the {sampler_name} sampler makes events in one pass and takes no steps; drop steps={steps} (--steps)"
            )
        return sampler_name, spec, steps, options

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
