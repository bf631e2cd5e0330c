"""Push a model folder to the Hugging Face Hub (``hepzoo publish``)."""

from __future__ import annotations

from pathlib import Path

from hepzoo.errors import ConfigError
from hepzoo.hub.integrity import sha256_file
from hepzoo.hub.local import CARD_NAME, CONFIG_NAME, WEIGHTS_NAME

__all__ = ["publish", "registry_snippet"]


def registry_snippet(directory: str | Path, repo_id: str, revision: str = "main") -> str:
    """The ``PretrainedEntry(files=...)`` hashes a plugin registers for this folder."""
    directory = Path(directory)
    files = {n: sha256_file(directory / n) for n in (CONFIG_NAME, WEIGHTS_NAME, CARD_NAME)}
    body = ",\n".join(f'        "{k}": "{v}"' for k, v in files.items())
    return f'repo_id="{repo_id}", revision="{revision}", files={{\n{body},\n    }}'


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
