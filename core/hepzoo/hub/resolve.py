"""Model ids -> a verified local folder: search paths, then the Hugging Face cache, then the Hub."""

from __future__ import annotations

import os
import re
from pathlib import Path

import attrs

from hepzoo.errors import ConfigError, HepzooError, IntegrityError, ModelNotFoundError
from hepzoo.hub.integrity import sha256_file
from hepzoo.registry import PretrainedEntry

__all__ = ["ModelRef", "parse_model_id", "search_paths", "fetch_pretrained", "fetch_pretrained_file", "fetch_hf_repo"]

HF_FILES = ("config.json", "model.safetensors", "README.md")
_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@attrs.define(frozen=True)
class ModelRef:
    """A parsed model id: a registered ``family/tag``, ``hf-hub:org/repo@rev`` or ``local-dir:PATH``."""

    kind: str
    name: str
    revision: str | None = None


def parse_model_id(name: str) -> ModelRef:
    """Split the explicit prefixes off; a bare id must be ``family/tag``."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("a model id is a non-empty string such as 'epic-gan/jetnet150-top'")
    name = name.strip()
    if name.startswith(("hf-hub:", "hf_hub:")):
        repo, _, revision = name.split(":", 1)[1].partition("@")
        if not _REPO_RE.match(repo):
            raise ConfigError(f"{name!r}: after 'hf-hub:' comes a Hub repo id 'org/name' (optionally '@revision')")
        return ModelRef("hf-hub", repo, revision or "main")
    if name.startswith("local-dir:"):
        return ModelRef("local-dir", name.split(":", 1)[1])
    if ":" in name:
        raise ConfigError(f"{name!r}: unknown prefix; use 'hf-hub:org/repo', 'local-dir:PATH' or 'family/tag'")
    if name.count("/") != 1 or not all(name.split("/")):
        raise ConfigError(
            f"{name!r} is not a model id: use 'family/tag' (see 'hepzoo list'), "
            "'hf-hub:org/repo' or 'local-dir:PATH'"
        )
    return ModelRef("registered", name)


def search_paths() -> list[Path]:
    """``$HEPZOO_PATH`` folders (``family/tag`` inside), then ``registry/`` of a source checkout."""
    paths = [Path(p) for p in os.environ.get("HEPZOO_PATH", "").split(os.pathsep) if p]
    checkout = Path(__file__).resolve().parents[3] / "registry"
    if checkout.is_dir() and os.environ.get("HEPZOO_NO_CHECKOUT_REGISTRY") is None:
        paths.append(checkout)
    return paths


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").upper() in {"1", "ON", "YES", "TRUE"}


def _download(repo_id: str, filename: str, revision: str, force: bool = False) -> Path:
    from huggingface_hub import hf_hub_download

    from hepzoo import __version__

    return Path(
        hf_hub_download(
            repo_id,
            filename,
            revision=revision,
            library_name="hepzoo",
            library_version=__version__,
            endpoint=os.environ.get("HF_ENDPOINT") or None,
            force_download=force,
            local_files_only=_offline(),
        )
    )


def _discard(path: Path) -> None:
    """Delete a cached file and the blob its snapshot link points to."""
    blob = path.resolve()
    for p in {path, blob}:
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _hub_error(exc: Exception, repo_id: str, revision: str, filename: str) -> Exception:
    from huggingface_hub import errors

    if isinstance(exc, errors.LocalEntryNotFoundError):
        return ModelNotFoundError(
            f"{repo_id}/{filename} is not in the local cache and the Hub cannot be reached "
            "(offline?): connect once, or copy the model with 'hepzoo mirror' and set HEPZOO_PATH"
        )
    if isinstance(exc, errors.RevisionNotFoundError):
        return ModelNotFoundError(f"revision {revision!r} of {repo_id!r} does not exist on the Hub")
    if isinstance(exc, errors.EntryNotFoundError):
        return ModelNotFoundError(f"{repo_id}@{revision} has no file {filename!r}; it is not a hepzoo model repo")
    if isinstance(exc, errors.RepositoryNotFoundError):
        return ModelNotFoundError(f"Hub repo {repo_id!r} does not exist (or is private: log in with 'hf auth login')")
    if isinstance(exc, HepzooError):
        return exc
    return HepzooError(
        f"download of {repo_id}@{revision}/{filename} failed ({type(exc).__name__}: {exc}); "
        "check the connection and HF_ENDPOINT, then retry"
    )


def _fetch_verified(repo_id: str, filename: str, revision: str, expected: str | None) -> Path:
    """Download (or take from cache) one file; on a sha256 mismatch discard it and retry once."""
    for attempt in range(2):
        try:
            path = _download(repo_id, filename, revision, force=attempt > 0)
        except Exception as exc:
            raise _hub_error(exc, repo_id, revision, filename) from exc
        want = expected or _etag_sha256(path)
        if want is None or sha256_file(path) == want:
            return path
        _discard(path)
    raise IntegrityError(
        f"{repo_id}@{revision}/{filename}: sha256 differs from {want} even after a fresh download; "
        "the Hub copy does not match the registered model — report it to the model's authors"
    )


def _etag_sha256(path: Path) -> str | None:
    """The cache names each blob by its ETag, which the Hub sets to the sha256 of LFS files."""
    name = path.resolve().name
    return name if _SHA256_RE.match(name) else None


def fetch_pretrained(entry: PretrainedEntry) -> Path:
    """A folder holding the entry's files, every one verified against its registered sha256."""
    for root in search_paths():
        folder = root / entry.family / entry.tag
        if all((folder / f).is_file() for f in entry.files):
            for fname, expected in entry.files.items():
                if sha256_file(folder / fname) != expected:
                    raise IntegrityError(
                        f"{folder / fname} (found through the search path) has a sha256 that differs "
                        f"from the registered {expected}; restore the file or remove it from {root}"
                    )
            return folder
    paths = [_fetch_verified(entry.repo_id, f, entry.revision, sha) for f, sha in entry.files.items()]
    return paths[0].parent


def fetch_pretrained_file(entry: PretrainedEntry, filename: str) -> Path:
    """One of the entry's files (e.g. ``config.json`` alone, without the weights), verified."""
    if filename not in entry.files:
        raise ConfigError(f"{entry.id} registers no {filename}; it has {sorted(entry.files)}")
    expected = entry.files[filename]
    for root in search_paths():
        path = root / entry.family / entry.tag / filename
        if path.is_file():
            if sha256_file(path) != expected:
                raise IntegrityError(
                    f"{path} (found through the search path) has a sha256 that differs "
                    f"from the registered {expected}; restore the file or remove it from {root}"
                )
            return path
    return _fetch_verified(entry.repo_id, filename, entry.revision, expected)


def fetch_hf_repo(repo_id: str, revision: str = "main") -> Path:
    """An unregistered Hub repo: config, weights and card, each checked against the Hub's sha256."""
    paths = [_fetch_verified(repo_id, f, revision, None) for f in HF_FILES[:2]]
    try:
        _fetch_verified(repo_id, HF_FILES[2], revision, None)
    except ModelNotFoundError:
        pass
    return paths[0].parent
