"""Names of the authors' EPiC-GAN state-dict keys (uhh-pd-ml/EPiC-GAN models.py) <-> ours."""

from __future__ import annotations

import re
from collections.abc import Mapping

import torch

from hepzoo.errors import ConfigError

__all__ = ["authors_to_ours", "ours_to_authors", "GENERATOR_LAYERS", "CRITIC_LAYERS"]

# authors' linear-layer names -> ours (the EPiC layers inside ``nn_list`` are mapped by a rule).
GENERATOR_LAYERS = {
    "local_0": "local_in",
    "global_0": "global_in1",
    "global_1": "global_in2",
    "local_1": "local_out",
}
CRITIC_LAYERS = {
    "fc_l1": "local_in1",
    "fc_l2": "local_in2",
    "fc_g1": "global_in1",
    "fc_g2": "global_in2",
    "fc_g3": "head1",
    "fc_g4": "head2",
    "fc_g5": "head3",
}
_EPIC = {"fc_global1": "global1", "fc_global2": "global2", "fc_local1": "local1", "fc_local2": "local2"}
# old hook-based weight_norm -> torch.nn.utils.parametrizations.weight_norm
_PARAMS = {
    "weight_g": "parametrizations.weight.original0",
    "weight_v": "parametrizations.weight.original1",
    "bias": "bias",
    "weight": "weight",  # a checkpoint saved without weight norm (or folded)
}
_NETS = {"generator": GENERATOR_LAYERS, "critic": CRITIC_LAYERS}


def _layer_maps(net: str) -> tuple[dict[str, str], dict[str, str]]:
    if net not in _NETS:
        raise ConfigError(f"unknown network {net!r}; use 'generator' or 'critic'")
    fwd = _NETS[net]
    return fwd, {v: k for k, v in fwd.items()}


def _rename_key(key: str, layers: Mapping[str, str], epic: Mapping[str, str], params: Mapping[str, str],
                list_from: str, list_to: str) -> str | None:
    suffixes = [p for p in sorted(params, key=len, reverse=True) if key.endswith("." + p)]
    if not suffixes:
        return None
    p_from = suffixes[0]
    p_to = params[p_from]
    layer = key[: -len(p_from) - 1]
    m = re.fullmatch(rf"{re.escape(list_from)}\.(\d+)\.(\w+)", layer)
    if m and m.group(2) in epic:
        return f"{list_to}.{m.group(1)}.{epic[m.group(2)]}.{p_to}"
    if layer in layers:
        return f"{layers[layer]}.{p_to}"
    return None


def authors_to_ours(state: Mapping[str, torch.Tensor], net: str = "generator") -> dict[str, torch.Tensor]:
    """Rename an authors' ``EPiC_generator``/``EPiC_discriminator`` state dict to our module names."""
    layers, _ = _layer_maps(net)
    out, unknown = {}, []
    for key, value in state.items():
        new = _rename_key(key, layers, _EPIC, _PARAMS, "nn_list", "layers")
        if new is None:
            unknown.append(key)
        else:
            out[new] = value
    if unknown:
        raise ConfigError(
            f"{len(unknown)} keys are not EPiC-GAN {net} keys (first: {unknown[:3]}); is this the "
            f"{'discriminator' if net == 'generator' else 'generator'} state, or another model?"
        )
    return out


def ours_to_authors(state: Mapping[str, torch.Tensor], net: str = "generator") -> dict[str, torch.Tensor]:
    """The inverse of :func:`authors_to_ours` (to hand weights back to the original code)."""
    _, layers = _layer_maps(net)
    epic = {v: k for k, v in _EPIC.items()}
    params = {v: k for k, v in _PARAMS.items()}
    out, unknown = {}, []
    for key, value in state.items():
        new = _rename_key(key, layers, epic, params, "layers", "nn_list")
        if new is None:
            unknown.append(key)
        else:
            out[new] = value
    if unknown:
        raise ConfigError(f"{len(unknown)} keys are not hepzoo EPiC {net} keys (first: {unknown[:3]})")
    return out
