"""Backbone: built from plain config data with clear errors."""

from __future__ import annotations

import attrs
import pytest
from torch import nn

from hepzoo.backbone import Backbone
from hepzoo.errors import ConfigError


@attrs.define
class MLPConfig:
    width: int = 8


class MLP(Backbone):
    config_cls = MLPConfig

    def __init__(self, config=None):
        super().__init__(config)
        self.net = nn.Linear(self.config.width, self.config.width)


def test_from_config_and_defaults():
    assert MLP.from_config({"width": 4}).num_parameters() == 4 * 4 + 4
    assert MLP().config.width == 8


def test_unknown_key_is_named():
    with pytest.raises(ConfigError, match="depth"):
        MLP.from_config({"width": 4, "depth": 2})
