"""Draw ratio histograms in a second Python process, so matplotlib runs beside the metrics.

Matplotlib is Python-bound and holds the GIL while it draws; in a thread beside the metrics it
stalls their many short numpy and torch calls. A second process draws on another core instead.
``PlotProcess`` starts it early (its imports overlap the parent's work), hands it the arrays as
``.npy`` files (read with ``allow_pickle=False``) and waits for the PNGs, which the child draws
into a temporary folder and the parent puts in place only once the evaluation has succeeded (a
failed evaluation leaves no plots). The histograms are those ``ratio_histogram`` draws in-process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from hepzoo.atomic import atomic_path, atomic_write_text
from hepzoo.errors import OutputError

__all__ = ["PlotProcess"]


class PlotProcess:
    """A child process that draws ``ratio_histogram`` PNGs from arrays handed over in a folder."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="hepzoo-plots-")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "hepzoo.evaluation.plot_process"],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        self._sent = False

    def draw(self, plots: list[dict[str, Any]]) -> None:
        """Send the plots: each ``{"path", "reference", "gen", "xlabel", "logy"}`` (arrays as numpy)."""
        folder = Path(self._tmp.name)
        specs = []
        for i, plot in enumerate(plots):
            for side in ("reference", "gen"):
                with atomic_path(folder / f"{i}_{side}.npy") as tmp, open(tmp, "wb") as f:
                    np.save(f, np.ascontiguousarray(plot[side], dtype=np.float64))
            specs.append({"path": str(plot["path"]), "drawn": str(folder / f"{i}.png"), "xlabel": plot["xlabel"],
                          "logy": bool(plot.get("logy"))})
        atomic_write_text(folder / "plots.json", json.dumps(specs))
        self._proc.stdin.write(f"{folder}\n")
        self._proc.stdin.close()
        self._sent = True

    def wait(self) -> list[str]:
        """Put the drawn PNGs in place (atomically) and return their paths; the child's last error line if it failed."""
        try:
            err = self._finish()
            if not self._sent:
                return []
            if self._proc.returncode != 0:
                last = err.strip().splitlines()[-1:] or [f"exit status {self._proc.returncode}"]
                raise OutputError(f"the plots could not be drawn ({last[0]}); metrics.json is not written")
            specs = json.loads((Path(self._tmp.name) / "plots.json").read_text())
            for spec in specs:
                with atomic_path(spec["path"]) as tmp:
                    shutil.copyfile(spec["drawn"], tmp)
            return [spec["path"] for spec in specs]
        finally:
            self._tmp.cleanup()

    def stop(self) -> None:
        """End the child without drawing (the evaluation failed)."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._finish()
        self._tmp.cleanup()

    def _finish(self) -> str:
        """Close the child's input, wait for it to end; its stderr."""
        if not self._proc.stdin.closed:
            self._proc.stdin.close()
        err = self._proc.stderr.read()
        self._proc.stderr.close()
        self._proc.wait()
        return err


def _main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401  (imported while the parent computes)

    from hepzoo.evaluation.report import ratio_histogram

    try:
        import mplhep  # noqa: F401  (ratio_histogram's style)
    except ImportError:
        pass

    line = sys.stdin.readline().strip()
    if not line:
        return
    folder = Path(line)
    for i, spec in enumerate(json.loads((folder / "plots.json").read_text())):
        ref = np.load(folder / f"{i}_reference.npy", allow_pickle=False)
        gen = np.load(folder / f"{i}_gen.npy", allow_pickle=False)
        ratio_histogram(ref, gen, spec["drawn"], spec["xlabel"], logy=spec["logy"])


if __name__ == "__main__":
    _main()
