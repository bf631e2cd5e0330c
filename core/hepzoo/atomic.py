"""Atomic writes, the one way hepzoo writes files and folders: whole under their name, or not at all.

Each writer gets its own temporary name beside the target (``.NAME.<pid>.<random>.partial``), so
two writers never delete each other's work; the data is fsync'ed, then renamed over the target.
A lock beside the target (``.NAME.lock``, held with ``flock`` and removed afterwards) turns a
second concurrent writer into one clear :class:`TargetBusyError`. On any failure the temporary
file is removed and an existing target is left as it was. A writer killed outright (``kill -9``,
power loss) leaves its temporary behind: the next writer of the same target, holding the lock,
removes those whose process is gone (``remove_stale_temps``), and puts back a model folder that
was moved aside but never replaced.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from hepzoo.errors import OutputError, TargetBusyError

__all__ = [
    "atomic_path", "atomic_write_text", "atomic_folder", "check_folder_target", "check_writable_folder",
    "check_writable_file", "remove_stale_temps",
]

PARTIAL_SUFFIX = ".partial"
OLD_SUFFIX = ".old"  # a model folder moved aside while its replacement is renamed in
_TEMP = re.compile(r"^\.(?P<target>.+)\.(?P<pid>[0-9]+)\.[0-9a-f]{8}(?P<suffix>\.partial|\.old)$")


def _temp_name(path: Path, suffix: str = PARTIAL_SUFFIX) -> Path:
    """A name beside ``path`` that no other writer uses: ``.NAME.<pid>.<random><suffix>``."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{suffix}")


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine; True where that cannot be told (never clean what may be in use)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":  # os.kill(pid, 0) would terminate a process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def remove_stale_temps(path: str | Path, target_glob: str | None = None) -> list[Path]:
    """Remove the temporaries a killed writer of ``path`` left beside it; return what was removed.

    Only names this module gives (``.NAME.<pid>.<random>.partial``/``.old``) whose process is
    no longer running are touched, so a live writer's temporary and anything a user made stay.
    ``target_glob`` matches several targets in ``path``'s folder (``checkpoint-*.safetensors``:
    each checkpoint has a new name). A moved-aside folder (``.old``) whose target is missing is
    renamed back to it (the swap was cut between its two renames), else removed.
    """
    import fnmatch

    path = Path(path)
    folder = path.parent
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP.match(entry.name)
        if m is None or _process_alive(int(m["pid"])):
            continue
        target = m["target"]
        if not (fnmatch.fnmatchcase(target, target_glob) if target_glob else target == path.name):
            continue
        if m["suffix"] == OLD_SUFFIX and not (folder / target).exists():
            with contextlib.suppress(OSError):  # if it cannot go back, it stays: never delete the only copy
                os.replace(entry, folder / target)
            continue
        _remove(entry)
        removed.append(entry)
    return removed


def _fsync(path: Path) -> None:
    """Flush a file's (or a folder's) content to the disk; folders best-effort (not every OS allows it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unwritable(path: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {path} ({exc.strerror or exc}); choose a writable location with -o")


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(path, exc) from None


def _check_target(path: Path) -> Path:
    if not path.name or path.name in (".", ".."):
        raise OutputError(f"{str(path)!r} is not a file name to write; give a path such as out/file.h5")
    return path


@contextlib.contextmanager
def _target_lock(path: str | Path) -> Iterator[None]:
    """Hold ``.NAME.lock`` beside ``path`` for this block; raise TargetBusyError if another process holds it."""
    try:
        import fcntl
    except ImportError:  # no flock on this platform: unique temp names still keep each write whole
        yield
        return
    path = Path(path)
    lock = path.with_name(f".{path.name}.lock")
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _unwritable(path, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise TargetBusyError(
                f"another process is writing {path} right now; wait for it to finish or write elsewhere"
            ) from None
        try:
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the previous holder removed the lock file after we opened it: take the new one
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write ``path``'s content to; it becomes ``path`` only if the block succeeds."""
    path = _check_target(Path(path))
    _make_parent(path)
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name to write")
    with _target_lock(path):
        remove_stale_temps(path)
        tmp = _temp_name(path)
        try:
            yield tmp
            if not tmp.exists():
                raise OutputError(f"nothing was written for {path}")
            _fsync(tmp)
            os.replace(tmp, path)
            _fsync(path.parent)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(text.encode("utf-8"))
    return Path(path)


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def check_folder_target(path: str | Path, may_replace: Callable[[Path], bool], what: str = "folder") -> Path:
    """Raise an OutputError unless ``path`` is new, an empty folder or one ``may_replace`` accepts.

    What ``atomic_folder`` checks before and after writing; a command calls it first to refuse a
    bad ``-o`` before any work.
    """
    path = Path(path)
    resolved = path.resolve()
    _check_target(resolved)
    if resolved.exists() and not resolved.is_dir():
        raise OutputError(f"{path} exists and is a file, not a {what}; remove it or write elsewhere")
    if resolved.is_dir() and not _is_empty_dir(resolved) and not may_replace(resolved):
        raise OutputError(
            f"{path} exists and is not a {what}; hepzoo replaces only a {what} it wrote. "
            "Choose a new or empty folder"
        )
    cwd = Path.cwd().resolve()
    if resolved.is_dir() and (cwd == resolved or resolved in cwd.parents):
        raise OutputError(f"{path} is the current folder (or holds it); write the {what} to a subfolder")
    return resolved


def _nearest_existing(path: Path) -> Path:
    """``path`` or the closest of its parents that exists: where a new file or folder would be made."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    return existing


def check_writable_folder(path: str | Path, what: str = "output folder") -> Path:
    """Raise an OutputError unless ``path`` is a folder, or can be made one, that this user may write; before any work."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path} exists and is a file, not an {what}; remove it or give a folder name with -o")
    existing = _nearest_existing(path)
    if not existing.is_dir():
        raise OutputError(f"cannot make {path}: {existing} is a file, not a folder; give a folder name with -o")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {path} ({existing} is not writable); choose a writable location with -o")
    return path


def check_writable_file(path: str | Path) -> Path:
    """Raise an OutputError unless ``atomic_path`` could write ``path``, before any work.

    ``path`` must name a file, not a folder, in a folder that exists or can be made and where a
    file can be created: tried with an empty temporary, removed at once (permission bits do not
    tell for root or a read-only mount). An existing file is replaced, as ``atomic_path`` replaces it.
    """
    path = _check_target(Path(path))
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name to write")
    existing = _nearest_existing(path.parent)
    if not existing.is_dir():
        raise OutputError(f"cannot write {path}: {existing} is a file, not a folder; choose another location with -o")
    probe = _temp_name(existing / path.name)
    try:
        probe.open("xb").close()
        probe.unlink()
    except OSError as exc:
        raise _unwritable(path, exc) from None
    return path


@contextlib.contextmanager
def atomic_folder(
    path: str | Path, may_replace: Callable[[Path], bool], what: str = "folder"
) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it is swapped in as ``path``.

    An existing ``path`` is replaced only if it is empty or ``may_replace(path)`` says it is a
    ``what`` (e.g. a model folder); anything else raises an OutputError and is left untouched,
    before any work is done. The old folder is moved aside, the new one renamed in, the old one
    deleted; if the swap fails the old folder is put back.
    """
    path = Path(path)
    resolved = path.resolve()

    def refuse_unless_replaceable() -> None:
        check_folder_target(path, may_replace, what)

    refuse_unless_replaceable()
    _make_parent(resolved)
    with _target_lock(resolved):
        remove_stale_temps(resolved)
        tmp = _temp_name(resolved)
        tmp.mkdir()
        old = None
        try:
            yield tmp
            for f in tmp.rglob("*"):  # subfolders too (a card's figures/)
                _fsync(f)
            _fsync(tmp)
            refuse_unless_replaceable()  # it may have changed while the content was written
            if resolved.exists():
                old = _temp_name(resolved, OLD_SUFFIX)
                os.replace(resolved, old)
            try:
                os.replace(tmp, resolved)
            except OSError:
                if old is not None:
                    os.replace(old, resolved)
                    old = None
                raise
            _fsync(resolved.parent)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
            if old is not None and old.exists():
                shutil.rmtree(old, ignore_errors=True)
