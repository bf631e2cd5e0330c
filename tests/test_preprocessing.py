"""Preprocessing: fitted on real entries only, invertible, padding kept at zero, state in the state dict."""

from __future__ import annotations

import json

import attrs
import numpy as np
import pytest
import torch
from torch.overrides import TorchFunctionMode

from hepzoo.config import structure, unstructure
from hepzoo.errors import ConfigError, HepzooError, InvalidDataError
from hepzoo.preprocessing import (
    Chain,
    ChainConfig,
    Log,
    LogConfig,
    Logit,
    LogitConfig,
    PerFeature,
    PerFeatureConfig,
    Standardize,
    StandardizeConfig,
    TransformConfig,
)


def _jets(seed: int = 0, n: int = 64, p: int = 12) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded point clouds: (eta, phi) Gaussian, pT fraction in (0, 1); padding exactly zero."""
    g = torch.Generator().manual_seed(seed)
    x = torch.stack(
        [
            torch.randn(n, p, generator=g) * 0.2 + 0.1,
            torch.randn(n, p, generator=g) * 0.3 - 0.2,
            torch.rand(n, p, generator=g) * 0.98 + 0.01,
        ],
        -1,
    ).double()
    mask = torch.rand(n, p, generator=g) > 0.3
    mask[:, 0] = True
    x[~mask] = 0.0
    return x, mask


CONFIGS = {
    "standardize": StandardizeConfig(3, scale=5.0),
    "logit": PerFeatureConfig(3, (2,), LogitConfig(1, alpha=1e-6)),
    "log": PerFeatureConfig(3, (2,), LogConfig(1)),
    "log1p": PerFeatureConfig(3, (2,), LogConfig(1, plus_one=True)),
    "chain": ChainConfig(
        (PerFeatureConfig(3, (2,), LogitConfig(1, alpha=0.01)), PerFeatureConfig(3, (0, 1), StandardizeConfig(2)),
         StandardizeConfig(3, scale=2.0))
    ),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_inverse_of_forward_is_identity_and_padding_stays_zero(name):
    x, mask = _jets()
    t = CONFIGS[name].build().fit(x, mask)
    z = t(x, mask)
    assert torch.isfinite(z).all()
    assert (z[~mask] == 0).all()
    assert not torch.allclose(z[mask], x[mask])  # it did transform something
    back = t.inverse(z, mask)
    torch.testing.assert_close(back, x, rtol=1e-9, atol=1e-9)
    assert (back[~mask] == 0).all()


def test_float32_round_trip_within_float_tolerance():
    x, mask = _jets()
    t = CONFIGS["chain"].build().fit(x.float(), mask)
    torch.testing.assert_close(t.inverse(t(x.float(), mask), mask), x.float(), rtol=1e-4, atol=1e-5)


def test_standardize_stats_equal_numpy_on_real_entries_only():
    x, mask = _jets(seed=3)
    s = Standardize(3, scale=5.0).fit(x, mask)
    real = x.numpy()[mask.numpy()]
    np.testing.assert_allclose(s.mean.numpy(), real.mean(0), rtol=1e-6)
    np.testing.assert_allclose(s.std.numpy(), real.std(0, ddof=1), rtol=1e-6)
    # the padding zeros would have pulled the mean towards 0
    assert not np.allclose(s.mean.numpy(), x.numpy().reshape(-1, 3).mean(0), rtol=1e-3)
    torch.testing.assert_close(s(x[mask]).std(0), torch.full((3,), 5.0, dtype=torch.float64))


def test_per_feature_leaves_other_columns_untouched():
    x, mask = _jets()
    t = PerFeature(3, (2,), Log(1)).fit(x, mask)
    z = t(x, mask)
    assert torch.equal(z[..., :2], x[..., :2])
    torch.testing.assert_close(z[..., 2][mask], torch.log(x[..., 2][mask]))


def test_chain_fits_each_step_on_the_previous_output():
    x, mask = _jets()
    chain = Chain([PerFeature(3, (2,), Logit(1, alpha=0.01)), Standardize(3)]).fit(x, mask)
    z = chain(x, mask)
    np.testing.assert_allclose(z[mask].mean(0).numpy(), 0.0, atol=1e-6)
    np.testing.assert_allclose(z[mask].std(0).numpy(), 1.0, atol=1e-6)


def test_logit_matches_the_calodiffusion_formula():
    x = torch.tensor([[0.0], [0.25], [1.0]], dtype=torch.float64)
    alpha = 1e-6
    expected = torch.logit(alpha + (1 - 2 * alpha) * x)
    torch.testing.assert_close(Logit(1, alpha)(x), expected)
    assert torch.isfinite(Logit(1, alpha)(x)).all()


def test_state_dict_round_trip_through_safetensors_reproduces_outputs(tmp_path):
    from safetensors.torch import load_file, save_file

    x, mask = _jets()
    fitted = CONFIGS["chain"].build().fit(x, mask)
    save_file(dict(fitted.state_dict()), str(tmp_path / "t.safetensors"))
    fresh = CONFIGS["chain"].build()
    assert not torch.equal(fresh(x, mask), fitted(x, mask))
    fresh.load_state_dict(load_file(str(tmp_path / "t.safetensors")), strict=True)
    assert torch.equal(fresh(x, mask), fitted(x, mask))
    assert torch.equal(fresh.inverse(x, mask), fitted.inverse(x, mask))


def test_a_different_chain_does_not_load_strictly():
    fitted = CONFIGS["chain"].build()
    other = ChainConfig((StandardizeConfig(3),)).build()
    with pytest.raises(RuntimeError, match="Unexpected key"):
        other.load_state_dict(fitted.state_dict(), strict=True)


@attrs.define
class _FamilyConfig:
    hidden: int = 8
    preprocessing: TransformConfig = StandardizeConfig(3)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_config_round_trips_through_json_inside_a_family_config(name):
    cfg = _FamilyConfig(preprocessing=CONFIGS[name])
    data = json.loads(json.dumps(unstructure(cfg)))
    assert data["preprocessing"]["kind"] == CONFIGS[name].kind
    back = structure(data, _FamilyConfig)
    assert back == cfg
    assert back.preprocessing.build().config == CONFIGS[name]


@pytest.mark.parametrize(
    "data, match",
    [
        ({"kind": "sqrt", "n_features": 3}, "unknown transform kind"),
        ({"kind": "standardize", "n_features": 3, "mean": 0}, "unknown keys"),
        ({"kind": "standardize"}, "missing keys"),
        ({"kind": "standardize", "n_features": 0}, "positive integer"),
        ({"kind": "logit", "n_features": 1, "alpha": 0.7}, "alpha"),
        ({"kind": "per_feature", "n_features": 3, "columns": [3], "transform": {"kind": "log", "n_features": 1}},
         "columns"),
        ({"kind": "per_feature", "n_features": 3, "columns": [0, 1],
          "transform": {"kind": "log", "n_features": 1}}, "make them match"),
        ({"kind": "chain", "steps": [{"kind": "log", "n_features": 1}, {"kind": "standardize", "n_features": 3}]},
         "different feature counts"),
    ],
)
def test_bad_configs_are_one_config_error(data, match):
    with pytest.raises(ConfigError, match=match):
        structure({"hidden": 8, "preprocessing": data}, _FamilyConfig)


def test_bad_input_is_one_clear_error():
    x, mask = _jets()
    with pytest.raises(InvalidDataError, match="expects 3 features"):
        Standardize(3).fit(x[..., :2])
    with pytest.raises(InvalidDataError, match="expects 3 features"):
        CONFIGS["chain"].build()(x[..., :2])
    with pytest.raises(InvalidDataError, match="at least 2 real entries"):
        Standardize(3).fit(x[:1, :1])
    one = torch.zeros(4, 3, dtype=torch.bool)
    one[0, 0] = True
    with pytest.raises(InvalidDataError, match="at least 2 real entries"):
        Standardize(2).fit(torch.zeros(4, 3, 2), one)
    with pytest.raises(InvalidDataError, match=r"Logit takes values in \[0, 1\]"):
        Logit(1)(torch.tensor([[0.5], [1.5]]), check=True)
    with pytest.raises(InvalidDataError, match="positive values"):
        Log(1).fit(torch.tensor([[1.0], [0.0]]))
    with pytest.raises(InvalidDataError, match="greater than -1"):
        Log(1, plus_one=True)(torch.tensor([[-1.0]]), check=True)
    with pytest.raises(InvalidDataError, match="mask of shape"):
        Standardize(3).fit(x, mask[:, :3])
    # padding zeros are outside log's domain but are not real entries: no error with the mask
    PerFeature(3, (2,), Log(1)).fit(x, mask)
    with pytest.raises(InvalidDataError):
        PerFeature(3, (2,), Log(1)).fit(x)
    assert issubclass(InvalidDataError, HepzooError)


def test_domain_is_checked_when_fitting_or_asked_never_on_the_hot_path():
    """A plain forward does no host-device round trip (no ``.any()``/``.item()``) and raises nothing."""
    bad = torch.tensor([[0.5], [1.5]])
    with pytest.raises(InvalidDataError, match=r"Logit takes values in \[0, 1\]"):
        Logit(1).fit(bad)
    chain = Chain([Log(1, plus_one=True), Standardize(1)]).fit(torch.tensor([[0.1], [2.0], [3.0]]))
    with pytest.raises(InvalidDataError, match="greater than -1"):
        chain(torch.tensor([[-2.0]]), check=True)
    synced = []

    class Recording(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            if getattr(func, "__name__", "") in ("__bool__", "item", "any", "nonzero", "tolist"):
                synced.append(func.__name__)
            return func(*args, **(kwargs or {}))

    x = torch.rand(8, 5, 1)
    mask = torch.rand(8, 5) > 0.3
    with Recording():
        for transform in (Logit(1), chain, PerFeature(1, (0,), Log(1, plus_one=True))):
            transform(x, mask)
            transform(x)
    assert synced == []
    with Recording():
        Logit(1)(x, mask, check=True)
    assert "__bool__" in synced  # the recorder does see a sync when one happens
    assert torch.isnan(Logit(1)(bad)).any()  # unchecked: the caller asked for speed


def test_standardize_keeps_the_epic_gan_interface():
    x = torch.randn(50, 10, 3) * torch.tensor([1.0, 2.0, 3.0]) + torch.tensor([0.5, -1.0, 2.0])
    mask = torch.rand(50, 10) > 0.3
    x[~mask] = 0.0
    s = Standardize(3, scale=5.0).fit(x, mask)
    assert set(s.state_dict()) == {"mean", "std"}
    expected = (x - s.mean) / (s.std / 5.0)
    assert torch.equal(s(x), expected)  # no mask: the plain formula, padding included
    assert torch.equal(s.inverse(expected), expected * (s.std / 5.0) + s.mean)
