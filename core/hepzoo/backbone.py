"""Backbone: a torch module built from an attrs config, so config.json alone rebuilds it."""

from __future__ import annotations

from typing import Any, ClassVar

from torch import nn

from hepzoo.config import structure

__all__ = ["Backbone"]


class Backbone(nn.Module):
    """Base of every family's network (EPiC layers, mean-field blocks, transformers, U-Nets).

    Subclasses set ``config_cls`` (an attrs class) and build their layers from ``self.config``.
    Diffusion and flow backbones are called as ``backbone(x, t, cond, mask)``; GAN generators
    take their latent inputs.
    """

    config_cls: ClassVar[type]

    def __init__(self, config: Any = None) -> None:
        super().__init__()
        self.config = config if config is not None else self.config_cls()

    @classmethod
    def from_config(cls, data: dict) -> Backbone:
        """Build from plain (JSON) data, with a clear error for unknown or missing keys."""
        return cls(structure(data, cls.config_cls, what=f"{cls.__name__} config"))

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
