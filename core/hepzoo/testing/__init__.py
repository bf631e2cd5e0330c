"""Test helpers for hepzoo and its plugins: the conformance suites, a local Hub server, toy families and data."""

from __future__ import annotations

from hepzoo._lazy import lazy_exports

_EXPORTS = {
    "ModelConformance": "hepzoo.testing.conformance",
    "HubServer": "hepzoo.testing.hub_server",
    "TabularConfig": "hepzoo.testing.families",
    "TabularEDM": "hepzoo.testing.families",
    "MLPBackbone": "hepzoo.testing.families",
    "ToyConditionalConfig": "hepzoo.testing.families",
    "ToyConditionalFlow": "hepzoo.testing.families",
    "ToyConditionalRecipe": "hepzoo.testing.families",
    "toy_conditional_data": "hepzoo.testing.families",
    "toy_conditional_samples": "hepzoo.testing.families",
    "register_test_families": "hepzoo.testing.families",
    "TrainingConformance": "hepzoo.testing.training_conformance",
    "check_resume_is_exact": "hepzoo.testing.training_conformance",
    "random_jets": "hepzoo.testing.data",
    "jetnet_like_samples": "hepzoo.testing.data",
    "flat_result": "hepzoo.testing.results",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
