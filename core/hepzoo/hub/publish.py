"""Push a model folder to the Hugging Face Hub (``hepzoo publish``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hepzoo.errors import ConfigError
from hepzoo.hub.integrity import sha256_file
from hepzoo.hub.local import CARD_NAME, CONFIG_NAME, WEIGHTS_NAME

__all__ = ["publish", "registry_snippet", "pretrained_entries", "file_hashes"]


def file_hashes(directory: str | Path) -> dict[str, str]:
    """The sha256 of a model folder's three files, as a ``PretrainedEntry`` records them."""
    directory = Path(directory)
    return {n: sha256_file(directory / n) for n in (CONFIG_NAME, WEIGHTS_NAME, CARD_NAME)}


def registry_snippet(directory: str | Path, repo_id: str, revision: str = "main") -> str:
    """The ``PretrainedEntry(files=...)`` hashes a plugin registers for this folder.

    A folder released per value of a condition (its card holds ``hepzoo_metrics_by_condition``)
    gets the ``PRETRAINED`` list instead: the all-value id and one id per value that pins it.
    """
    directory = Path(directory)
    by_condition = _metrics_by_condition(directory)
    if by_condition:
        import json
        import pprint

        config = json.loads((directory / CONFIG_NAME).read_text())
        ((name, metrics),) = by_condition.items()
        entries = pretrained_entries(directory, config["family"], config["tag"], repo_id, condition=name,
                                     metrics=metrics, revision=revision)
        return "PRETRAINED = " + pprint.pformat(entries, sort_dicts=True, width=110)
    files = file_hashes(directory)
    body = ",\n".join(f'        "{k}": "{v}"' for k, v in files.items())
    return f'repo_id="{repo_id}", revision="{revision}", files={{\n{body},\n    }}'


def _metrics_by_condition(directory: Path) -> dict:
    """The card's per-value metrics (``{}`` for a card without them, or no card)."""
    from hepzoo.hub.card import parse_front_matter

    card = directory / CARD_NAME
    if not card.is_file():
        return {}
    return parse_front_matter(card.read_text(encoding="utf-8")).get("hepzoo_metrics_by_condition") or {}


def pretrained_entries(
    folder: str | Path,
    family: str,
    tag: str,
    repo_id: str,
    *,
    condition: str,
    metrics: Mapping[str, Mapping[str, Any]],
    revision: str = "main",
) -> list[dict[str, Any]]:
    """The plugin's ``PRETRAINED`` dicts: the all-value id, then one per value (by label) pinning it; one repo, the same files."""
    files = file_hashes(folder)
    common = {"repo_id": repo_id, "revision": revision, "files": files}
    entries = [{"family": family, "tag": tag, **common}]
    for label, values in sorted(metrics.items()):
        entries.append({"family": family, "tag": f"{tag}-{label}", **common, "metrics": dict(values),
                        "pinned_conditions": {condition: label}})
    return entries


def publish(
    directory: str | Path, repo_id: str, revision: str | None = None, private: bool = False, dry_run: bool = False
) -> str:
    """Create the repo if needed and upload the three files and the card's figures; returns the commit URL (or the plan)."""
    directory = Path(directory)
    missing = [n for n in (CONFIG_NAME, WEIGHTS_NAME, CARD_NAME) if not (directory / n).is_file()]
    if missing:
        raise ConfigError(f"{directory} lacks {missing}; write it with Model.save_pretrained")
    if dry_run:
        return "dry run; would upload:\n" + registry_snippet(directory, repo_id, revision or "main")
    from huggingface_hub import HfApi

    api = HfApi()
    api.create_repo(repo_id, private=private, exist_ok=True)
    info = api.upload_folder(
        repo_id=repo_id,
        folder_path=str(directory),
        revision=revision,
        allow_patterns=[CONFIG_NAME, WEIGHTS_NAME, CARD_NAME, "figures/*.png"],
        commit_message="Upload with hepzoo publish",
    )
    return str(getattr(info, "commit_url", info))
