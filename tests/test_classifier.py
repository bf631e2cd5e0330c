"""The classifier test: presets, settings recorded beside the scores, early stopping, progress, the ResNet."""

from __future__ import annotations

import numpy as np
import pytest

from hepzoo.data.showers.geometry import Geometry
from hepzoo.data.showers.gflash import simulate_showers
from hepzoo.errors import InvalidDataError
from hepzoo.metrics.classifier import ClassifierSettings, ResNet3d, classifier_test
from hepzoo.metrics.shower_features import high_level_features
from hepzoo.metrics.showers import classifier_scores


def _gauss(n, shift, d=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) + shift


def test_settings_are_returned_beside_the_scores():
    s = ClassifierSettings(n_hidden=16, lr=1e-2, batch_size=64, epochs=3, float64=False, seed=3, device="cpu")
    res = classifier_test(_gauss(200, 0.0), _gauss(200, 3.0, seed=1), s)
    u = res["settings"]
    assert u["network"] == "DNN 2x16 LeakyReLU" and u["dtype"] == "float32" and u["device"] == "cpu"
    assert (u["n_train"], u["n_test"], u["n_val"]) == (240, 80, 80)
    assert u["lr"] == 1e-2 and u["batch_size"] == 64 and u["seed"] == 3 and u["max_epochs"] == 3
    assert "challenge" in u["selection"] and 1 <= u["best_epoch"] <= u["epochs_run"] <= 3
    assert res["auc"] > 0.95


def test_early_stopping_on_the_test_loss():
    s = ClassifierSettings(n_hidden=16, lr=1e-2, batch_size=32, epochs=40, patience=2, float64=False, device="cpu")
    res = classifier_test(_gauss(300, 0.0), _gauss(300, 0.0, seed=1), s)  # nothing to learn: overfits at once
    u = res["settings"]
    assert u["epochs_run"] < 40 and u["epochs_run"] == u["best_epoch"] + 2
    assert "patience 2" in u["selection"] and 0.35 < res["auc"] < 0.65


def test_progress_bar_only_when_asked(capsys):
    s = ClassifierSettings(n_hidden=8, batch_size=50, epochs=2, float64=False, device="cpu")
    classifier_test(_gauss(100, 0.0), _gauss(100, 1.0), s, progress=True, label="cls-test")
    assert "cls-test" in capsys.readouterr().err
    classifier_test(_gauss(100, 0.0), _gauss(100, 1.0), s, progress=False, label="cls-test")
    assert capsys.readouterr().err == ""


def test_presets():
    assert ClassifierSettings.challenge() == ClassifierSettings()
    c = ClassifierSettings.challenge()
    assert (c.n_layer, c.n_hidden, c.float64, c.lr, c.batch_size, c.epochs, c.patience) == (2, 2048, True, 2e-4, 1000, 50, None)
    cpu = ClassifierSettings.cpu()
    assert cpu.patience is not None and not cpu.float64 and cpu.device == "cpu"
    assert ClassifierSettings.cpu(network="resnet").network_name() == "ResNet-10 (3D)"
    with pytest.raises(ValueError):
        ClassifierSettings(network="transformer")


def test_resnet_on_the_ds2_grid():
    import torch

    net = ResNet3d((45, 16, 9), depth=10)
    out = net(torch.randn(3, 1 + 6480))
    assert out.shape == (3, 1)
    g = Geometry.named("ds2")
    rng = np.random.default_rng(0)
    e = np.full(40, 1e4)
    x = simulate_showers(g, e, rng)
    f = high_level_features(x, e, g)
    s = ClassifierSettings(network="resnet", resnet_depth=10, batch_size=20, epochs=1, float64=False, device="cpu")
    res = classifier_scores((x[:20], e[:20], f), (x[20:], e[20:], f), g, ("cls-resnet",), s)
    assert res["cls-resnet"]["settings"]["network"] == "ResNet-10 (3D)"
    with pytest.raises(InvalidDataError, match="cls-high trains a DNN"):
        classifier_scores((x[:20], e[:20], f), (x[20:], e[20:], f), g, ("cls-high",), s)


@pytest.mark.slow
def test_cpu_default_separates_a_twice_too_energetic_sample():
    g = Geometry.named("ds2")
    rng = np.random.default_rng(5)
    e = np.exp(rng.uniform(np.log(1e3), np.log(1e5), 1200))
    x = simulate_showers(g, e, rng)
    half = 600
    f_ref, f_gen = {}, {}  # cls-low needs no high-level features
    res = classifier_scores(
        (2 * x[half:], e[half:], f_gen), (x[:half], e[:half], f_ref), g, ("cls-low",), ClassifierSettings.cpu(seed=1)
    )["cls-low"]
    assert res["auc"] > 0.95, res
    assert res["settings"]["epochs_run"] < ClassifierSettings.cpu().epochs  # stopped early
