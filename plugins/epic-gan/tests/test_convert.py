"""Converting an authors' checkpoint: weights mapped, constants set, unsafe pickles refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepzoo.errors import ConfigError
from hepzoo_epic_gan.convert import JETNET_TOP_NORM, convert_checkpoint, main_convert
from hepzoo_epic_gan.generator import EPiCGenerator
from hepzoo_epic_gan.keymap import ours_to_authors


class _NotATensor:
    pass


@pytest.fixture
def authors_ckpt(tmp_path):
    torch.manual_seed(0)
    gen = EPiCGenerator()
    path = tmp_path / "EPiC_jetnet_top_30.tar"
    torch.save({"decoder_state": ours_to_authors(gen.state_dict())}, path)
    return path, gen


def test_convert_maps_weights_and_constants(tmp_path, authors_ckpt, make_jets, registry):
    from hepzoo.hub.local import load_pretrained

    path, gen = authors_ckpt
    data = make_jets(40, max_particles=30, seed=5).save(tmp_path / "jets.h5")
    assert main_convert([str(path), "-o", str(tmp_path / "out"), "--multiplicities", str(data),
                         "--n-particles", "30", "--tag", "jetnet30-top"]) == 0
    model = load_pretrained(tmp_path / "out")
    assert model.config.max_particles == 30 and model.tag == "jetnet30-top"
    for key, value in gen.state_dict().items():
        assert torch.equal(model.generator.state_dict()[key], value)
    mean, std = JETNET_TOP_NORM[30]
    torch.testing.assert_close(model.normaliser.mean, torch.tensor(mean))
    torch.testing.assert_close(model.normaliser.std, torch.tensor(std))
    assert len(model.prior.data) == 28  # the 70% training split of 40 jets
    jets = model.sample(10, seed=0)
    assert jets.x.shape == (10, 30, 3) and np.isfinite(jets.x).all()


def test_refuses_pickled_objects(tmp_path, make_jets):
    bad = tmp_path / "bad.tar"
    torch.save({"decoder_state": _NotATensor()}, bad)
    data = make_jets(10, seed=0).save(tmp_path / "jets.h5")
    with pytest.raises(ConfigError, match="refusing"):
        convert_checkpoint(bad, tmp_path / "out", data)


def test_refuses_wrong_state(tmp_path, make_jets):
    path = tmp_path / "d.tar"
    torch.save({"decoder_state": {"fc_l1.bias": torch.zeros(3)}}, path)
    data = make_jets(10, seed=0).save(tmp_path / "jets.h5")
    with pytest.raises(ConfigError, match="not EPiC-GAN generator keys"):
        convert_checkpoint(path, tmp_path / "out", data)


def test_hepzoo_convert_command(tmp_path, authors_ckpt, make_jets, registry):
    from hepzoo.cli.main import main

    path, _ = authors_ckpt
    data = make_jets(20, max_particles=30, seed=1).save(tmp_path / "jets.h5")
    assert main(["convert", "epic-gan", str(path), "-o", str(tmp_path / "cli"), "--multiplicities", str(data),
                 "--n-particles", "30"]) == 0
    assert (tmp_path / "cli" / "model.safetensors").is_file()


def test_a_multiplicity_file_of_another_particle_count_is_refused(tmp_path, authors_ckpt, make_jets):
    path, _ = authors_ckpt
    data = make_jets(40, max_particles=30, seed=5).save(tmp_path / "jets30.h5")
    with pytest.raises(ConfigError, match="holds 30-particle jets but --n-particles is 150.*--n-particles 30"):
        convert_checkpoint(path, tmp_path / "out", data, n_particles=150)
    assert not (tmp_path / "out").exists()
