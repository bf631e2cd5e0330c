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
    """The verified local folder of a model id (downloading if needed), or of a model folder's path.

    Which wins (``parse_model_id``): a ``family/tag`` is the registered id even if a folder of
    that name is in the current directory; ``./family/tag`` (or ``/``, ``../``, ``~``) is the folder.
    """
    ref = parse_model_id(name)
    if ref.kind == "local-dir":
        from hepzoo.hub.local import check_model_folder

        try:
            path = Path(ref.name).expanduser()
        except RuntimeError:  # ~user of no user, or no home directory
            raise ConfigError(f"{ref.name!r}: '~' names no home directory here; give the folder's full path") from None
        check_model_folder(path, f"local-dir:{path}" if name.strip().startswith("local-dir:") else str(path))
        return path
    if ref.kind == "hf-hub":
        return fetch_hf_repo(ref.name, ref.revision or "main")
    return fetch_pretrained(_registered(ref.name))


def _registered(model_id: str) -> PretrainedEntry:
    """The registry entry of ``model_id``; if none, a folder of that name here is pointed to as ``./family/tag``."""
    from hepzoo.errors import ModelNotFoundError

    try:
        return get_registry().pretrained(model_id)
    except ModelNotFoundError as err:
        if Path(model_id).is_dir():
            raise ModelNotFoundError(f"{err}; to load the folder {model_id} here, write it as ./{model_id}") from None
        raise


def load(name: str, device: str | None = None) -> Model:
    """Load a model by id: ``family/tag``, ``hf-hub:org/repo[@rev]``, ``local-dir:PATH`` or a folder's path.

    A path (``./my-model``, ``/abs``, ``~/m``) loads as ``local-dir:`` does; a ``family/tag`` is
    always the registered id, never a same-named folder in the current directory (``locate``).

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

    A model folder's path (or ``local-dir:PATH``) is described from its own files (``folder_info``).

    ``conditions`` lists the declared ones (name, unit, kind, labels, low, high, description),
    read from the model's config.json (imports torch, downloads no weights); None with
    ``conditions_error`` saying why when that file cannot be had.
    """
    ref = parse_model_id(name)
    if ref.kind == "hf-hub":
        raise ConfigError("'info' describes registered ids (family/tag) and model folders; for an hf-hub: repo, "
                          "read its README.md")
    if ref.kind == "local-dir":
        return folder_info(locate(name))
    entry = _registered(ref.name)
    out = attrs.asdict(entry)
    out["id"] = entry.id
    out.update(_family_info(entry.family))
    out["conditions"], out["conditions_error"] = None, None
    try:
        out["conditions"] = declared_conditions(entry)
    except HepzooError as err:  # e.g. offline and not cached: the registry entry still shows
        out["conditions_error"] = str(err)
    if out["conditions"] is not None and entry.pinned_conditions:
        check_pins(entry, out["conditions"])
    return out


def _family_info(family_name: str) -> dict[str, Any]:
    """What the registry says of a family: its description, its law and the samplers that accept that law."""
    registry = get_registry()
    family = registry.get("family", family_name)
    law = family.extra.get("law")
    samplers = [name for name in registry.names("sampler") if law in {x.value for x in registry.sampler_spec(name).laws}]
    return {"family_description": family.description, "law": law, "samplers": samplers}


def folder_info(folder: Path) -> dict[str, Any]:
    """``info``'s keys for a model folder: family and conditions from its config.json, the rest from its card.

    The model is built from config.json (no weights loaded); each file's sha256 is computed here.
    """
    from hepzoo.config import read_model_json
    from hepzoo.hub.card import card_metrics, condition_dict, parse_front_matter
    from hepzoo.hub.integrity import sha256_file
    from hepzoo.hub.local import CARD_NAME, CONFIG_NAME, WEIGHTS_NAME, build_model

    data = read_model_json(folder / CONFIG_NAME)
    model = build_model(folder / CONFIG_NAME, weights=folder / WEIGHTS_NAME)
    card = folder / CARD_NAME
    try:
        front = parse_front_matter(card.read_text(encoding="utf-8")) if card.is_file() else {}
    except UnicodeDecodeError:
        front = {}  # the card only informs; 'hepzoo publish' refuses a card that is not UTF-8
    tags = [str(t) for t in front.get("tags") or ()]
    return {
        "id": f"local-dir:{folder.resolve()}", "family": data.get("family"), "tag": data.get("tag"),
        "description": None, "repo_id": None, "revision": None, "license": front.get("license"),
        "dataset": ", ".join(str(d) for d in front.get("datasets") or ()) or None,
        "papers": [t.split(":", 1)[1] for t in tags if t.startswith("arxiv:")],
        "files": {f: sha256_file(folder / f) for f in (CONFIG_NAME, WEIGHTS_NAME, CARD_NAME) if (folder / f).is_file()},
        "metrics": card_metrics(front) if isinstance(front.get("hepzoo_metrics"), dict) else {},
        "pinned_conditions": {}, **_family_info(data.get("family")),
        "conditions": [condition_dict(c) for c in model.conditions], "conditions_error": None,
    }


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
