"""The run's JSONL log (one record per line, appended) and its progress bar."""

from __future__ import annotations

import json
import math
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
    """Appends ``{"event": ..., "time": unix seconds, ...}`` lines to ``path``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __call__(self, event: str, **record: Any) -> None:
        line = {"event": event, "time": round(time.time(), 3), **{k: _plain(v) for k, v in record.items()}}
        with self.path.open("a") as f:
            f.write(json.dumps(line, sort_keys=True) + "\n")

    def records(self, event: str | None = None) -> list[dict[str, Any]]:
        """The records written so far (of one event kind)."""
        if not self.path.exists():
            return []
        rows = [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]
        return [r for r in rows if event is None or r["event"] == event]


def progress_bar(total: int, initial: int, quiet: bool):
    """A tqdm bar on stderr, off when ``quiet`` or when stderr is not a terminal."""
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True,
                disable=quiet or not sys.stderr.isatty())
