"""Samplers: stateless integrators of an objective's law, looked up by registered name."""

from __future__ import annotations

from hepzoo._lazy import lazy_exports

_EXPORTS = {
    "SamplerSpec": "hepzoo.samplers.base",
    "SamplerFn": "hepzoo.samplers.base",
    "SAMPLERS": "hepzoo.samplers.catalog",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
