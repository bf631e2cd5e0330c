"""Shared fixtures: a small registered test family, the shared/ folder when present."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _hypothesis_profiles() -> None:
    """Property tests stay bounded: 50 examples each, no per-example deadline (a shared 2-core CPU);
    under CI the examples are derandomized (the same on every run) and nothing is stored."""
    from hypothesis import HealthCheck, settings

    common = {"max_examples": 50, "deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
    settings.register_profile("ci", derandomize=True, database=None, print_blob=True, **common)
    settings.register_profile("dev", **common)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


_hypothesis_profiles()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print pytest-randomly's seed even under -q, so a failing order can be replayed."""
    seed = getattr(config.option, "randomly_seed", None)
    if seed is not None and config.pluginmanager.hasplugin("randomly"):
        terminalreporter.write_line(f"test order: -p randomly --randomly-seed={seed} replays it")


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    """Small tensors: one intra-op thread is faster and avoids oversubscribing 2-core CI."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the checkout (goldens, references); tests using it skip without it."""
    path = Path(os.environ.get("HEPZOO_SHARED", ROOT.parent / "shared"))
    if not path.is_dir():
        pytest.skip("../shared is not present")
    return path


@pytest.fixture
def registry():
    """The process registry with the core's test family added.

    Looked up for every test: ``manager.reset()`` (test_plugins.py) replaces the process registry,
    so a registry cached for the session would go stale and the tests after it would see none.
    """
    from hepzoo.plugins.manager import get_registry

    reg = get_registry()
    if "test-tabular-edm" not in reg.names("family"):
        reg.current_distribution = "hepzoo-tests"
        reg.add_family("test-tabular-edm", "hepzoo.testing.families:TabularEDM", "core test family")
        reg.current_distribution = "?"
    return reg


@pytest.fixture
def tabular_model(registry):
    """A fitted (untrained) TabularEDM on correlated Gaussian data."""
    import torch

    from hepzoo.testing.families import TabularConfig, TabularEDM

    torch.manual_seed(0)
    data = np.random.default_rng(0).multivariate_normal([1.0, -2.0], [[1.0, 0.5], [0.5, 2.0]], size=256)
    model = TabularEDM(TabularConfig()).fit(data)
    model.tag = "unit"
    return model
