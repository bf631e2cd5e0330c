"""config.json fields the networks or EDM cannot use are refused in one line, not built."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hepzoo.errors import ConfigError
from hepzoo.hub.local import build_model

CONFIG = Path(__file__).parent / "data" / "config.json"


@pytest.mark.parametrize(
    ("keys", "value"),
    [
        (("backbone", "heads"), 0),
        (("backbone", "noise_max"), 0.0),
        (("backbone", "noise_max"), 1e39),
        (("rho",), -7.0),  # a Karras grid with rho <= 0 runs backwards
        (("p_mean",), 1e308),
        (("pt_range",), [100.0, 1e308]),
        (("max_particles",), 0),
    ],
)
def test_unusable_fields_are_refused_in_one_line(tmp_path, registry, keys, value):
    doc = json.loads(CONFIG.read_text())
    parent = doc["config"]
    for key in keys[:-1]:
        parent = parent[key]
    parent[keys[-1]] = value
    path = tmp_path / "config.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match=keys[-1]) as info:
        build_model(path)
    assert "\n" not in str(info.value)


def test_the_fixture_config_builds(registry):
    assert build_model(CONFIG).config.backbone.heads == 8
