"""The run's JSONL log (one record per line, appended) and its progress bar."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["JsonlLog", "progress_bar"]


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


class JsonlLog:
    """Appends ``{"event": ..., "time": unix seconds, ...}`` lines to ``path``.

    The one file hepzoo extends rather than replaces (hepzoo.atomic renames whole files): each
    line goes out in one ``O_APPEND`` write, so lines of concurrent writers never interleave, and
    a line cut short by a kill is skipped when the log is read back.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __call__(self, event: str, **record: Any) -> None:
        line = {"event": event, "time": round(time.time(), 3), **{k: _plain(v) for k, v in record.items()}}
        data = (json.dumps(line, sort_keys=True) + "\n").encode()
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data  # a previous writer was killed mid-line: start a fresh one
            os.write(fd, data)
        finally:
            os.close(fd)

    def records(self, event: str | None = None) -> list[dict[str, Any]]:
        """The records written so far (of one event kind)."""
        if not self.path.exists():
            return []
        rows = []
        for line in self.path.read_text(errors="replace").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut short by a killed run
                continue
        return [r for r in rows if isinstance(r, dict) and (event is None or r.get("event") == event)]


def progress_bar(total: int, initial: int, quiet: bool):
    """A tqdm bar on stderr, off when ``quiet`` or when stderr is not a terminal."""
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True,
                disable=quiet or not sys.stderr.isatty())
