"""The sampler signature every solver shares, and the spec a plugin registers for one."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from hepzoo.errors import ConfigError, IncompatibleSamplerError
from hepzoo.laws import Law

if TYPE_CHECKING:
    import torch

    from hepzoo.objectives.base import LawFn

__all__ = ["SamplerFn", "SamplerSpec"]


class SamplerFn(Protocol):
    """``fn(law_fn, x, grid, *, generator, mask=None, **options) -> x`` (k-diffusion style).

    ``x`` is the initial noise (already scaled), ``grid`` the objective's schedule, ``mask`` zeroes
    padded entries after every step. Samplers are stateless; randomness comes only from
    ``generator`` (a ``torch.Generator`` on the sampling device). Options (``s_churn``, ``eta``,
    ...) are keyword-only parameters with defaults; ``Model.sample`` checks given ones against them.
    """

    def __call__(
        self,
        law_fn: LawFn,
        x: torch.Tensor,
        grid: torch.Tensor,
        *,
        generator: torch.Generator,
        mask: torch.Tensor | None = None,
        **options: Any,
    ) -> torch.Tensor: ...


_NOT_OPTIONS = ("law_fn", "x", "grid", "generator", "mask")


@attrs.define(frozen=True)
class SamplerSpec:
    """A registered sampler: its name, import path, the laws it accepts and its citation.

    ``grid`` is the "module:function" that makes the sampler's grid, ``fn(objective, steps,
    device) -> tensor``; empty means the objective's own ``schedule(steps)``. ``takes_steps``
    False: a single pass (one-shot), so a ``steps`` other than 1 is refused rather than recorded.
    """

    name: str
    target: str  # "module:function"
    laws: tuple[Law, ...]
    default_steps: int = 50
    description: str = ""
    paper: str = ""
    grid: str = ""
    takes_steps: bool = True

    def load(self) -> Callable[..., Any]:
        from hepzoo.registry import import_target

        return import_target(self.target)

    def options(self) -> dict[str, Any]:
        """The options the sampler accepts, with their defaults."""
        params = inspect.signature(self.load()).parameters.values()
        return {p.name: p.default for p in params if p.name not in _NOT_OPTIONS and p.kind is p.KEYWORD_ONLY}

    def check_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """The given options, or one error naming the unknown ones and what the sampler accepts."""
        accepted = self.options()
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            takes = ", ".join(f"{k}={v!r}" for k, v in accepted.items()) or "no options"
            raise ConfigError(f"sampler {self.name!r} has no option {', '.join(unknown)}; it accepts {takes}")
        return dict(options)

    def make_grid(self, objective, steps: int, device=None):
        """The sampler's grid for ``steps``: its own rule, else the objective's schedule."""
        if not self.grid:
            return objective.schedule(steps, device)
        from hepzoo.registry import import_target

        return import_target(self.grid)(objective, steps, device)

    def check(self, law: Law) -> None:
        if law not in self.laws:
            accepted = ", ".join(sorted(law.value for law in self.laws))
            raise IncompatibleSamplerError(
                f"sampler {self.name!r} integrates {accepted} laws, but this model's law is "
                f"{law.value!r}; run 'hepzoo info MODEL' for the samplers that fit"
            )
