"""Test helpers for hepzoo and its plugins: the conformance suite, a local Hub server, toy data."""

from __future__ import annotations

from hepzoo._lazy import lazy_exports

_EXPORTS = {
    "ModelConformance": "hepzoo.testing.conformance",
    "HubServer": "hepzoo.testing.hub_server",
    "TabularConfig": "hepzoo.testing.families",
    "TabularEDM": "hepzoo.testing.families",
    "MLPBackbone": "hepzoo.testing.families",
    "random_jets": "hepzoo.testing.data",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
