"""The sampler signature every solver shares, and the spec a plugin registers for one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from hepzoo.errors import IncompatibleSamplerError
from hepzoo.laws import Law

if TYPE_CHECKING:
    import torch

    from hepzoo.objectives.base import LawFn

__all__ = ["SamplerFn", "SamplerSpec"]


class SamplerFn(Protocol):
    """``fn(law_fn, x, grid, *, generator, mask=None, **options) -> x`` (k-diffusion style).

    ``x`` is the initial noise (already scaled), ``grid`` the objective's schedule, ``mask`` zeroes
    padded entries after every step. Samplers are stateless; randomness comes only from
    ``generator`` (a CPU ``torch.Generator``).
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


@attrs.define(frozen=True)
class SamplerSpec:
    """A registered sampler: its name, import path, the laws it accepts and its citation."""

    name: str
    target: str  # "module:function"
    laws: tuple[Law, ...]
    default_steps: int = 50
    description: str = ""
    paper: str = ""

    def load(self) -> Callable[..., Any]:
        from hepzoo.registry import import_target

        return import_target(self.target)

    def check(self, law: Law) -> None:
        if law not in self.laws:
            accepted = ", ".join(sorted(law.value for law in self.laws))
            raise IncompatibleSamplerError(
                f"sampler {self.name!r} integrates {accepted} laws, but this model's law is "
                f"{law.value!r}; run 'hepzoo info MODEL' for the samplers that fit"
            )
