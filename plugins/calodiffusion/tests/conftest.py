"""Shared fixtures: synthetic dataset-2 showers, a small CaloDiffusion model, the registry, the goldens."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from hepzoo.representations import Voxel
from hepzoo.samples import Samples
from hepzoo_calodiffusion.config import CaloDiffusionConfig, UNetConfig
from hepzoo_calodiffusion.model import CaloDiffusionModel

REPO_ROOT = Path(__file__).resolve().parents[3]
GOLDEN = Path(os.environ.get("HEPZOO_SHARED", REPO_ROOT.parent / "shared")) / "goldens" / "calodiffusion"


def synthetic_showers(n: int = 32, seed: int = 0) -> Samples:
    """Dataset-2 showers: log-uniform 1 GeV-1 TeV, ~77% deposited, a narrow core decaying in r and z."""
    rng = np.random.default_rng(seed)
    rep = Voxel.from_geometry("ds2")
    z, a, r = rep.grid_shape
    energy = np.exp(rng.uniform(np.log(1e3), np.log(1e6), n))
    zz, rr = np.arange(z)[:, None, None], np.arange(r)[None, None, :]
    profile = np.exp(-((zz - 10) ** 2) / 40.0 - rr / 1.5) * np.ones((1, a, 1))
    x = profile[None] * rng.gamma(2.0, 0.5, (n, z, a, r))
    x *= rng.random((n, z, a, r)) < 0.4  # sparse, as real showers
    x = 0.77 * energy[:, None] * x.reshape(n, -1) / x.reshape(n, -1).sum(1, keepdims=True)
    x[x < 0.0151] = 0.0
    return Samples(x=x.astype(np.float32), representation=rep, cond={"energy": energy})


def small_model(timesteps: int = 10, layer_sizes=(8, 8, 8)) -> CaloDiffusionModel:
    """A narrow two-stage U-Net on the dataset-2 grid with a short schedule (random weights)."""
    torch.manual_seed(0)
    config = CaloDiffusionConfig(unet=UNetConfig(layer_sizes=layer_sizes, cond_dim=16), timesteps=timesteps)
    return CaloDiffusionModel(config).eval()


@pytest.fixture
def showers() -> Samples:
    return synthetic_showers()


@pytest.fixture
def registry():
    """The plugin registry (hepzoo-calodiffusion must be installed: its entry point registers it)."""
    from hepzoo.plugins.manager import get_registry

    reg = get_registry()
    assert "calodiffusion-unet" in reg.names("family"), "install the plugin: pip install -e plugins/calodiffusion"
    return reg


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    """One intra-op thread: the goldens were computed so, and 2-core CI is not oversubscribed."""
    torch.set_num_threads(1)


@pytest.fixture
def make_showers():
    """``make_showers(n, seed) -> Samples`` of synthetic dataset-2 showers."""
    return synthetic_showers


@pytest.fixture
def make_model():
    """``make_model(timesteps, layer_sizes) -> CaloDiffusionModel`` (small, random weights)."""
    return small_model


@pytest.fixture(scope="session")
def golden():
    """``golden(name) -> {name: tensor}`` from ../shared/goldens/calodiffusion; skips without it."""
    from safetensors.torch import load_file

    def load(name: str) -> dict[str, torch.Tensor]:
        path = GOLDEN / name
        if not path.exists():
            pytest.skip(f"no CaloDiffusion goldens at {GOLDEN}")
        return load_file(str(path))

    return load
