"""A config.json whose sizes do not fit its weights is one line naming the key, before torch allocates anything."""

from __future__ import annotations

import contextlib
import json
import shutil

import pytest

from hepzoo.errors import ConfigError

# one published-size key per plugin family, set far beyond anything allocatable (2**40 floats: 4 TiB)
ABSURD = 2**40
FAMILY_KEYS = {
    "epic-gan": ("generator", "hidden"),
    "mdma": ("generator", "hidden"),
    "pc-droid-cae": ("backbone", "tokens"),
    "calodiffusion-unet": ("unet", "cond_dim"),
}


@contextlib.contextmanager
def memory_ceiling(extra_bytes: int = 2 * 2**30):
    """Cap this process's address space a little above its current size, so a regression fails instead of swapping."""
    resource = pytest.importorskip("resource")
    try:
        with open("/proc/self/status") as f:
            vm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    except (OSError, StopIteration):
        pytest.skip("no /proc/self/status to size the memory ceiling")
    old = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (vm + extra_bytes, old[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, old)


@pytest.fixture(scope="module")
def model_folders(tmp_path_factory):
    """A freshly initialised model folder of every plugin family (default config), written once."""
    import torch

    from hepzoo.plugins.manager import get_registry

    registry = get_registry()
    folders = {}
    for family in FAMILY_KEYS:
        if family not in registry.names("family"):
            continue
        cls = registry.get("family", family).load()
        torch.manual_seed(0)
        folders[family] = cls.from_config(cls.config_cls()).save_pretrained(tmp_path_factory.mktemp(family))
    return folders


def edited_copy(folder, tmp_path, section: str, key: str, value):
    """A copy of a model folder with ``config[section][key] = value``."""
    copy = tmp_path / "model"
    shutil.copytree(folder, copy)
    data = json.loads((copy / "config.json").read_text())
    data["config"][section][key] = value
    (copy / "config.json").write_text(json.dumps(data))
    return copy


@pytest.mark.parametrize("family", sorted(FAMILY_KEYS))
def test_an_absurd_size_is_one_line_naming_the_key(family, model_folders, tmp_path, capsys):
    import hepzoo
    from hepzoo.cli.main import main

    if family not in model_folders:
        pytest.skip(f"plugin of {family} not installed")
    section, key = FAMILY_KEYS[family]
    hepzoo.load(f"local-dir:{model_folders[family]}")  # the untouched copy loads
    folder = edited_copy(model_folders[family], tmp_path, section, key, ABSURD)
    with memory_ceiling(), pytest.raises(ConfigError) as err:
        hepzoo.load(f"local-dir:{folder}")
    message = str(err.value)
    assert "\n" not in message
    assert f"{section}.{key}={ABSURD:,}" in message and "restore the config.json" in message
    assert "model.safetensors holds" in message
    with memory_ceiling():
        rc = main(["sample", f"local-dir:{folder}", "-n", "2", "-o", str(tmp_path / "out.h5")])
    assert rc == 2
    err_text = capsys.readouterr().err
    assert err_text.count("\n") == 1 and f"{section}.{key}" in err_text and "Traceback" not in err_text
    assert not (tmp_path / "out.h5").exists()


def test_a_million_layers_stop_after_a_few_hundred_tensors(model_folders, tmp_path):
    """The count of tensors, not only their bytes, is bounded: tiny layers by the million are stopped early."""
    import hepzoo

    if "epic-gan" not in model_folders:
        pytest.skip("epic-gan plugin not installed")
    folder = edited_copy(model_folders["epic-gan"], tmp_path, "generator", "layers", 10**6)
    with memory_ceiling(), pytest.raises(ConfigError, match=r"tensors, .*generator\.layers=1,000,000"):
        hepzoo.load(f"local-dir:{folder}")


def test_weights_that_fit_only_a_smaller_network_name_the_shapes_that_differ(model_folders, tmp_path):
    """A size within the budget but not the weights' is caught by the strict load, also in one line."""
    import hepzoo

    if "epic-gan" not in model_folders:
        pytest.skip("epic-gan plugin not installed")
    folder = edited_copy(model_folders["epic-gan"], tmp_path, "generator", "hidden", 256)
    with pytest.raises(ConfigError, match="shape mismatch") as err:
        hepzoo.load(f"local-dir:{folder}")
    assert "\n" not in str(err.value)


def test_without_weights_the_bound_is_the_machines_memory(registry, tmp_path):
    """``build_model`` alone (as ``hepzoo info`` uses it) refuses a network larger than this machine's memory."""
    from hepzoo.hub.build_budget import machine_memory
    from hepzoo.hub.local import build_model
    from hepzoo.testing.families import TabularConfig, TabularEDM

    if machine_memory() is None:
        pytest.skip("the OS does not report its memory")
    folder = TabularEDM(TabularConfig()).save_pretrained(tmp_path / "toy")
    data = json.loads((folder / "config.json").read_text())
    data["config"]["hidden"] = ABSURD
    (folder / "config.json").write_text(json.dumps(data))
    with memory_ceiling(), pytest.raises(ConfigError, match="more memory than this machine has .*hidden="):
        build_model(folder / "config.json")
