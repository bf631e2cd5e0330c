"""config.json fields a U-Net or the shower scaling cannot use are refused in one line, not built."""

from __future__ import annotations

import json

import pytest

from hepzoo.errors import ConfigError
from hepzoo.hub.local import build_model

CONFIG = __import__("pathlib").Path(__file__).parent / "data" / "config.json"


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [
        ("unet", "attention_heads", -1),  # was RuntimeError "negative dimension"
        ("unet", "attention_heads", 0),  # built zero-element attention layers
        ("unet", "attention_dim", 0),
        ("unet", "cond_dim", 0),
        ("unet", "groups", 0),
        ("scaling", "shift", 1e308),  # overflowed converting to a float32 buffer
        ("scaling", "scale", 1e-300),  # 0 in float32
        ("scaling", "max_deposit", 1e39),
        ("scaling", "alpha", -1e308),
    ],
)
def test_unusable_fields_are_refused_in_one_line(tmp_path, registry, section, field, value):
    doc = json.loads(CONFIG.read_text())
    doc["config"][section][field] = value
    path = tmp_path / "config.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match=field) as info:
        build_model(path)
    assert "\n" not in str(info.value)


def test_the_fixture_config_builds(registry):
    assert build_model(CONFIG).config.unet.attention_heads == 1
