"""Every file hepzoo writes goes through hepzoo.atomic: a source audit, and the two writers that are special."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [*ROOT.glob("core/hepzoo/**/*.py"), *ROOT.glob("plugins/*/hepzoo_*/**/*.py"), *ROOT.glob("benchmarks/*.py")]
# a call that creates or overwrites a file by name
WRITE = re.compile(
    r"""open\([^)]*["'][wax]b?\+?["']|h5py\.File\([^)]*["'](w|w-|x|a|r\+)["']|\.write_text\(|\.write_bytes\(|"""
    r"""json\.dump\(|\.savefig\(|save_file\(|np\.save[z]?\(|torch\.save\(|\.to_csv\(|shutil\.copy"""
)
# where such a call is the atomic helpers' own work: it writes the temporary path they hand out
ALLOWED = {
    "core/hepzoo/atomic.py",  # the helpers themselves
    "core/hepzoo/testing/conformance.py",  # a test writes a deliberately broken file in tmp_path
}


def _offending_lines(sources: list[Path], root: Path = ROOT) -> list[str]:
    out = []
    for path in sources:
        rel = str(path.relative_to(root))
        if rel in ALLOWED:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if WRITE.search(code) and not re.search(r"\btmp|devnull", code):
                out.append(f"{rel}:{number}: {line.strip()}")
    return out


def test_every_file_write_goes_through_hepzoo_atomic():
    offending = _offending_lines(SOURCES)
    assert offending == [], "write these through hepzoo.atomic (atomic_path / atomic_write_text / atomic_h5)"


def test_the_audit_sees_direct_writes(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('Path("x.json").write_text("{}")\nnp.save("a.npy", x)\nwith atomic_path(p) as tmp:\n'
                     '    np.save(tmp, x)\n')
    assert [line.split(":")[1] for line in _offending_lines([probe], tmp_path)] == ["1", "2"]


def test_a_killed_training_log_line_is_skipped_and_the_next_starts_fresh(tmp_path):
    from hepzoo.training.log import JsonlLog

    log = JsonlLog(tmp_path / "train_log.jsonl")
    log("step", loss=1.0)
    with open(log.path, "ab") as f:
        f.write(b'{"event": "step", "lo')  # the process was killed mid-line
    log("step", loss=0.5)
    assert [r["loss"] for r in log.records("step")] == [1.0, 0.5]  # was a JSONDecodeError


def test_a_checkpoint_whose_write_fails_leaves_no_file(tmp_path, monkeypatch):
    import safetensors.torch
    import torch

    from hepzoo.training.checkpoint import save_checkpoint

    def broken(tensors, filename, metadata=None):
        Path(filename).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.torch, "save_file", broken)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(tmp_path, {"w": torch.ones(2)}, {"state": {"step": 3}})
    assert list(tmp_path.iterdir()) == []  # no half-written checkpoint-*.safetensors
