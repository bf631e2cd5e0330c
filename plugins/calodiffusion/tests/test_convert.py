"""Converting an authors' checkpoint: weights mapped (the goldens' outputs kept), unsafe pickles refused."""

from __future__ import annotations

import pytest
import torch

from hepzoo.errors import ConfigError
from hepzoo_calodiffusion.convert import convert_checkpoint, main_convert, unet_config_from_state
from hepzoo_calodiffusion.keymap import ours_to_authors


class _NotATensor:
    pass


def test_convert_golden_state_dict_saved_with_torch(tmp_path, golden, registry):
    from hepzoo.hub.local import load_pretrained

    state, io = golden("unet_ds2_perturbed.safetensors"), golden("io_ds2_perturbed.safetensors")
    path = tmp_path / "final.pth"
    torch.save(state, path)  # what the authors' train_diffu.py writes
    assert main_convert([str(path), "-o", str(tmp_path / "out"), "--tag", "calochallenge-ds2"]) == 0
    model = load_pretrained(tmp_path / "out")
    assert model.tag == "calochallenge-ds2" and model.config.unet.layer_sizes == (16, 16, 16, 32)
    back = ours_to_authors(model.unet.state_dict())
    assert set(back) == set(state) and all(torch.equal(back[k], state[k]) for k in state)
    with torch.no_grad():
        pred = model.unet(io["x_noisy"], io["t_emb"], io["E"][:, None])
    torch.testing.assert_close(pred, io["pred"], atol=1e-5, rtol=0)


@pytest.mark.parametrize("suffix", ["", "_perturbed"])
def test_convert_dataset1_photons_with_glam(tmp_path, golden, registry, suffix):
    from hepzoo.hub.local import load_pretrained

    state, io = golden(f"unet_ds1_photon{suffix}.safetensors"), golden(f"io_ds1_photon{suffix}.safetensors")
    path = tmp_path / "photons.pth"
    torch.save(state, path)
    model = load_pretrained(convert_checkpoint(path, tmp_path / "out"))
    assert model.config.geometry == "ds1-photons" and model.config.unet.angle_channel
    assert model.config.scaling.max_deposit == 3.1 and model.conditions[0].low == 256.0
    with torch.no_grad():
        vp_sigma = (1 - model.objective.alpha_bar[io["t"]]).sqrt()
        pred = model.objective.predict_noise(io["x_noisy"], io["t"], vp_sigma, io["E"][:, None])
    torch.testing.assert_close(pred, io["pred"], atol=1e-5 * io["pred"].abs().max().item(), rtol=0)
    cond = model.condition_vector({"energy": io["E_GeV"].double() * 1000}, torch.device("cpu"))
    torch.testing.assert_close(cond[:, 0], io["E"], atol=1e-6, rtol=0)  # log10(E / 256 MeV) / log10(16384)


def test_convert_infers_a_narrower_unet(tmp_path, make_model, registry):
    from hepzoo.hub.local import load_pretrained

    source = make_model(layer_sizes=(8, 8, 16))
    path = tmp_path / "best_val.pth"
    torch.save(ours_to_authors(source.unet.state_dict()), path)
    assert unet_config_from_state(torch.load(path, weights_only=True)).layer_sizes == (8, 8, 16)
    folder = convert_checkpoint(path, tmp_path / "out", timesteps=10)
    model = load_pretrained(folder)
    for key, value in source.unet.state_dict().items():
        assert torch.equal(model.unet.state_dict()[key], value), key
    out = model.sample(2, seed=0, steps=2, sampler="ddim")
    assert out.x.shape == (2, 6480)


def test_hepzoo_convert_then_sample_on_the_command_line(tmp_path, make_model, registry):
    from hepzoo.cli.main import main
    from hepzoo.data import read_samples

    path = tmp_path / "final.pth"
    torch.save(ours_to_authors(make_model(layer_sizes=(8, 8)).unet.state_dict()), path)
    assert main(["convert", "calodiffusion-unet", str(path), "-o", str(tmp_path / "model"), "--timesteps", "5"]) == 0
    out = tmp_path / "s.h5"
    assert main(["sample", f"local-dir:{tmp_path / 'model'}", "-n", "3", "-o", str(out), "--seed", "1",
                 "--cond", "energy=20000", "-q"]) == 0
    showers = read_samples(out)
    assert showers.x.shape == (3, 6480) and showers.meta["sampler"] == "ddpm" and showers.meta["steps"] == 3
    assert (showers.cond["energy"] == 20000).all()
    assert main(["convert", "calodiffusion-unet", str(tmp_path / "missing.pth"), "-o", str(tmp_path / "x")]) == 2


def test_refuses_pickled_objects(tmp_path):
    bad = tmp_path / "bad.pth"
    torch.save({"model.init_conv.conv.weight": _NotATensor()}, bad)
    with pytest.raises(ConfigError, match="refusing") as info:
        convert_checkpoint(bad, tmp_path / "out")
    assert "likely succeed" not in str(info.value) and "\n" not in str(info.value)


def test_refuses_a_broken_safetensors_file_in_one_line(tmp_path):
    from hepzoo.cli.main import main
    from hepzoo.errors import HepzooError

    junk = tmp_path / "final.safetensors"
    junk.write_bytes(b"not a safetensors header at all")
    with pytest.raises(HepzooError, match="not a safetensors file") as info:
        convert_checkpoint(junk, tmp_path / "out")
    assert "\n" not in str(info.value)
    assert main(["convert", "calodiffusion-unet", str(junk), "-o", str(tmp_path / "x")]) == 2


def test_refuses_other_state_dicts(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"encoder.fc.weight": torch.zeros(2, 2)}, path)
    with pytest.raises(ConfigError, match="not CaloDiffusion U-Net keys"):
        convert_checkpoint(path, tmp_path / "out")
    with pytest.raises(ConfigError, match="is not a file"):
        convert_checkpoint(tmp_path / "missing.pth", tmp_path / "out")
