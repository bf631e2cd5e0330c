"""The user's front door: ``load``, ``list_models``, ``info``, ``evaluate``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from hepzoo.errors import ConfigError, HepzooError
from hepzoo.hub.resolve import fetch_hf_repo, fetch_pretrained, fetch_pretrained_file, parse_model_id
from hepzoo.plugins.manager import get_registry

if TYPE_CHECKING:
    from hepzoo.model import Model
    from hepzoo.registry import PretrainedEntry

__all__ = ["load", "list_models", "info", "locate"]


def locate(name: str) -> Path:
    """The verified local folder of a model id (downloading if needed)."""
    ref = parse_model_id(name)
    if ref.kind == "local-dir":
        from hepzoo.hub.local import check_model_folder

        path = Path(ref.name).expanduser()
        check_model_folder(path, f"local-dir:{path}")
        return path
    if ref.kind == "hf-hub":
        return fetch_hf_repo(ref.name, ref.revision or "main")
    return fetch_pretrained(get_registry().pretrained(ref.name))


def load(name: str, device: str | None = None) -> Model:
    """Load a model by id: ``family/tag``, ``hf-hub:org/repo[@rev]`` or ``local-dir:PATH``.

    Files are verified (sha256) before use and weights are loaded strictly from safetensors. A
    registered id that fixes conditions (``PretrainedEntry.pinned_conditions``) returns the model with them pinned.
    """
    from hepzoo.hub.local import load_pretrained
    from hepzoo.model import resolve_device

    ref = parse_model_id(name)
    folder = locate(name)
    if ref.kind == "registered":
        family, tag = ref.name.split("/")
        model = load_pretrained(folder, expected_family=family, tag=tag)
        pinned = get_registry().pretrained(ref.name).pinned_conditions
        if pinned:
            model.pin_conditions(pinned)
    else:  # its samples name this source, not the tag its config.json may carry from a registered model
        model = load_pretrained(folder)
        where = f"local-dir:{folder.resolve()}" if ref.kind == "local-dir" else f"hf-hub:{ref.name}@{ref.revision}"
        model.source = where
    if device is not None:
        model.to(resolve_device(device))
    return model


def list_models(pattern: str | None = None) -> list[str]:
    """Registered model ids, optionally filtered by a glob (``*jetnet150*``) or substring."""
    return [e.id for e in get_registry().list_pretrained(pattern)]


def info(name: str) -> dict[str, Any]:
    """What the registry records of a model id (repo, revision, files, licence, papers, metrics) and its conditions.

    ``conditions`` lists the declared ones (name, unit, kind, labels, low, high, description),
    read from the model's config.json (imports torch, downloads no weights); None with
    ``conditions_error`` saying why when that file cannot be had.
    """
    ref = parse_model_id(name)
    if ref.kind != "registered":
        raise ConfigError("'info' describes registered ids (family/tag); for others, read their README.md")
    entry = get_registry().pretrained(ref.name)
    out = attrs.asdict(entry)
    out["id"] = entry.id
    registry = get_registry()
    family = registry.get("family", entry.family)
    out["family_description"] = family.description
    law = family.extra.get("law")
    out["law"] = law
    out["samplers"] = [
        name for name in registry.names("sampler") if law in {x.value for x in registry.sampler_spec(name).laws}
    ]
    out["conditions"], out["conditions_error"] = None, None
    try:
        out["conditions"] = declared_conditions(entry)
    except HepzooError as err:  # e.g. offline and not cached: the registry entry still shows
        out["conditions_error"] = str(err)
    if out["conditions"] is not None and entry.pinned_conditions:
        check_pins(entry, out["conditions"])
    return out


def check_pins(entry: PretrainedEntry, conditions: list[dict[str, Any]]) -> None:
    """An id's pins must be values of the model's declared conditions: a typo (``type=tpo``) is named here, not at sampling."""
    from hepzoo.conditions import Condition, check_given

    try:
        check_given(tuple(Condition(**c) for c in conditions), entry.pinned_conditions)
    except ConfigError as err:
        raise ConfigError(f"{entry.id} pins {entry.pinned_conditions}, which its model refuses: {err}") from None


def declared_conditions(entry: PretrainedEntry) -> list[dict[str, Any]]:
    """The model's declared conditions, from a model built from its config.json (no weights loaded)."""
    from hepzoo.hub.card import condition_dict
    from hepzoo.hub.local import CONFIG_NAME, build_model

    model = build_model(fetch_pretrained_file(entry, CONFIG_NAME), expected_family=entry.family)
    return [condition_dict(c) for c in model.conditions]
