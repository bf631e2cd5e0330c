"""Model ids -> a verified local folder: search paths, then the Hugging Face cache, then the Hub."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from urllib.parse import urlparse

import attrs

from hepzoo.errors import ConfigError, HepzooError, IntegrityError, ModelNotFoundError
from hepzoo.hub.integrity import git_blob_sha1, sha256_file
from hepzoo.registry import PretrainedEntry

__all__ = ["ModelRef", "parse_model_id", "written_as_path", "PATH_PREFIXES", "search_paths", "fetch_pretrained", "fetch_pretrained_file", "fetch_hf_repo"]

HF_FILES = ("config.json", "model.safetensors", "README.md")
_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
# a branch, tag, commit or "refs/pr/N": git ref characters, no "..", no spaces or control characters
_REVISION_RE = re.compile(r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._/-]*$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_SHA1_RE = re.compile(r"^[0-9a-f]{40}$")
CONNECT_TIMEOUT = 5.0  # seconds to wait for the Hub's TCP handshake before using the cache alone


PATH_PREFIXES = ("/", "./", "../", "~")  # a name written as a path: a folder, never a registered id


@attrs.define(frozen=True)
class ModelRef:
    """A parsed model id: a registered ``family/tag``, ``hf-hub:org/repo@rev`` or ``local-dir:PATH``."""

    kind: str
    name: str
    revision: str | None = None


def written_as_path(name: str) -> bool:
    """Whether ``name`` is written as a path (``/abs``, ``./rel``, ``../rel``, ``~/...``, ``.``, ``..``)."""
    return name.startswith(PATH_PREFIXES) or name in (".", "..")


def parse_model_id(name: str) -> ModelRef:
    """Split the explicit prefixes off; a bare id must be ``family/tag``, else a path to a model folder.

    A name written as a path (``/abs``, ``./rel``, ``../rel``, ``~/...``) is a ``local-dir:``
    folder, as is an existing folder whose name cannot be an id (``my-model``, ``runs/a/model``).
    A ``family/tag`` is always the registered id, even when a folder of that name is in the
    current directory: write ``./family/tag`` to load the folder.
    """
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("a model id is a non-empty string such as 'epic-gan/jetnet150-top'")
    name = name.strip()
    if written_as_path(name):
        if "\0" in name:
            raise ConfigError(f"{name!r}: a path cannot hold a NUL character; give the path of a model folder")
        return ModelRef("local-dir", name)
    if name.startswith(("hf-hub:", "hf_hub:")):
        repo, _, revision = name.split(":", 1)[1].partition("@")
        if not _REPO_RE.match(repo):
            raise ConfigError(f"{name!r}: after 'hf-hub:' comes a Hub repo id 'org/name' (optionally '@revision')")
        if revision and not _REVISION_RE.match(revision):
            raise ConfigError(
                f"{name!r}: {revision!r} is not a revision; give a branch, tag or commit such as '@main' or '@v1.0'"
            )
        return ModelRef("hf-hub", repo, revision or "main")
    if name.startswith("local-dir:"):
        path = name.split(":", 1)[1]
        if not path.strip() or "\0" in path:
            raise ConfigError(f"{name!r}: after 'local-dir:' comes the path of a model folder (save_pretrained)")
        return ModelRef("local-dir", path)
    if ":" in name:
        raise ConfigError(f"{name!r}: unknown prefix; use 'hf-hub:org/repo', 'local-dir:PATH' or 'family/tag'")
    if name.count("/") != 1 or not all(name.split("/")):
        if "\0" not in name and Path(name).is_dir():
            return ModelRef("local-dir", name)
        raise ConfigError(
            f"{name!r} is not a model id: use 'family/tag' (see 'hepzoo list'), "
            "'hf-hub:org/repo' or the path of a model folder ('./my-model', 'local-dir:PATH')"
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


def _endpoint() -> str:
    from huggingface_hub import constants

    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


_PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


def _unreachable(endpoint: str) -> str | None:
    """Why ``endpoint`` cannot be reached (one TCP connect, no retries), or None if it answers.

    huggingface_hub retries an unreachable endpoint for about 23 s, logging each attempt, before it
    falls back to the cache; one connect tells the same in milliseconds (refused, unknown host) or
    ``CONNECT_TIMEOUT`` seconds. Behind a proxy only the HTTP client knows the way: not checked.
    """
    if any(os.environ.get(v) for v in _PROXY_VARS):
        return None
    url = urlparse(endpoint)
    if not url.hostname:
        return f"HF_ENDPOINT {endpoint!r} is not a URL"
    try:
        port = url.port or (443 if url.scheme == "https" else 80)
        with socket.create_connection((url.hostname, port), timeout=CONNECT_TIMEOUT):
            return None
    except (OSError, ValueError) as exc:
        return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _download(repo_id: str, filename: str, revision: str, force: bool = False) -> tuple[Path, str | None]:
    """The cached file (downloaded if needed) and, when the Hub was not asked, why not (offline, unreachable)."""
    from huggingface_hub import hf_hub_download

    from hepzoo import __version__

    endpoint = _endpoint()
    why_local = "HF_HUB_OFFLINE is set" if _offline() else None
    if why_local is None and (down := _unreachable(endpoint)):
        why_local = f"the Hub at {endpoint} cannot be reached ({down})"
    try:
        path = hf_hub_download(
            repo_id,
            filename,
            revision=revision,
            library_name="hepzoo",
            library_version=__version__,
            endpoint=os.environ.get("HF_ENDPOINT") or None,
            force_download=force and why_local is None,
            local_files_only=why_local is not None,
        )
    except Exception as exc:
        if type(exc) is FileNotFoundError:  # another process discarded the blob while this one linked it
            raise
        raise _hub_error(exc, repo_id, revision, filename, why_local) from exc
    return Path(path), why_local


def _discard(path: Path) -> None:
    """Delete a cached file and the blob its snapshot link points to."""
    blob = path.resolve()
    for p in {path, blob}:
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _hub_error(exc: Exception, repo_id: str, revision: str, filename: str, why_local: str | None = None) -> Exception:
    from huggingface_hub import errors

    if isinstance(exc, errors.LocalEntryNotFoundError):
        if why_local and not _offline():
            return ModelNotFoundError(
                f"{why_local} and {repo_id}/{filename} is not in the local cache: check HF_ENDPOINT and the "
                "connection, or copy the model with 'hepzoo mirror' and set HEPZOO_PATH"
            )
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
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return HepzooError(
        f"download of {repo_id}@{revision}/{filename} failed ({type(exc).__name__}: {first_line}); "
        "check the connection and HF_ENDPOINT, then retry"
    )


def _hub_hash(path: Path, where: str) -> tuple[str, str]:
    """(algorithm, digest) the Hub recorded for a cached file: the cache names each blob by its ETag.

    The Hub's ETag is the sha256 for files kept in git LFS (the weights) and the git blob sha1 for
    files kept in git (config.json, README.md), so both kinds are checked.
    """
    name = path.resolve(strict=True).name  # FileNotFoundError: another process discarded it
    if _SHA256_RE.match(name):
        return "sha256", name
    if _SHA1_RE.match(name):
        return "git-sha1", name
    raise IntegrityError(
        f"{where} cannot be verified: the server at {_endpoint()} gave it no content hash (ETag {name!r}); "
        "use the Hugging Face Hub or a mirror that passes its ETags on, or register the model's sha256"
    )


_HASHES = {"sha256": sha256_file, "git-sha1": git_blob_sha1}
_MAX_VANISHED = 3  # copies that another process discarded before this one could check them


def _fetch_verified(repo_id: str, filename: str, revision: str, expected: str | None) -> Path:
    """Download (or take from cache) one file and check it against ``expected`` (the registry's
    sha256) or else the hash the Hub recorded; a mismatching copy is deleted, fetched once more,
    then refused. Offline (or with the Hub unreachable) a bad cached copy is refused, left for an
    online run to replace."""
    where = f"{repo_id}@{revision}/{filename}"
    refetched = False
    vanished = 0
    while True:
        try:
            path, why_local = _download(repo_id, filename, revision, force=refetched)
            algorithm, want = ("sha256", expected.lower()) if expected else _hub_hash(path, where)
            actual = _HASHES[algorithm](path)
        except FileNotFoundError as exc:  # another process discarded this copy (it was corrupt): fetch again
            vanished += 1
            if vanished > _MAX_VANISHED:
                raise HepzooError(
                    f"{where}: the cached copy kept disappearing while it was checked ({exc.strerror}: "
                    f"{exc.filename}); another process is replacing a corrupt copy — retry when it is done"
                ) from None
            continue
        if actual == want:
            return path
        whose = "the registered" if expected else "the Hub's"
        if why_local is not None:
            raise IntegrityError(
                f"the cached copy of {where} is corrupt ({algorithm} {actual[:12]}... is not {whose} "
                f"{want[:12]}...) and {why_local}, so it cannot be fetched again: run once with the Hub "
                "reachable (the bad copy is then replaced), or use a copy made by 'hepzoo mirror' (HEPZOO_PATH)"
            )
        _discard(path)
        if refetched:
            culprit = (
                "the Hub copy does not match the registered model — report it to the model's authors"
                if expected
                else f"the bytes received do not match the hash the server sent; check HF_ENDPOINT ({_endpoint()})"
            )
            raise IntegrityError(
                f"{where}: {algorithm} {actual[:12]}... differs from {whose} {want} even after a fresh "
                f"download; {culprit}"
            )
        refetched = True


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
    """An unregistered Hub repo: config, weights and card, each checked against the hash the Hub records."""
    paths = [_fetch_verified(repo_id, f, revision, None) for f in HF_FILES[:2]]
    try:
        _fetch_verified(repo_id, HF_FILES[2], revision, None)
    except ModelNotFoundError:
        pass
    return paths[0].parent
