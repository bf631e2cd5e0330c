"""Every file hepzoo writes goes through hepzoo.atomic: a source audit, and the two writers that are special."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    *ROOT.glob("core/hepzoo/**/*.py"),
    *ROOT.glob("plugins/*/hepzoo_*/**/*.py"),
    *ROOT.glob("benchmarks/*.py"),
    *ROOT.glob("plugins/*/benchmarks/*.py"),
]
ATOMIC = {"atomic_path", "atomic_folder", "atomic_h5"}  # the atomic functions: what they yield is a temporary path
ALLOWED = {"core/hepzoo/atomic.py"}  # the atomic functions themselves
# single calls that are not hepzoo's output: a conformance test spoils a model file in pytest's tmp_path;
# a benchmark resets the kernel's peak-memory counter (a /proc control file, not a file on disk)
ALLOWED_CALLS = {("core/hepzoo/testing/conformance.py", 'save_file(state, str(folder / "model.safetensors"))'),
                 ("benchmarks/bench_mdma_scaling.py", 'Path("/proc/self/clear_refs").write_text("5")')}
WRITE_MODES = {"open": "wax+", "File": ("w", "w-", "x", "a", "r+")}


def _name(func: ast.expr) -> str:
    """``np.save`` -> ``np.save``; ``path.write_text`` -> ``.write_text``; ``open`` -> ``open``."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return f"{func.value.id}.{func.attr}" if isinstance(func.value, ast.Name) and func.value.id in (
            "np", "numpy", "torch", "json", "shutil", "h5py", "pickle", "os") else f".{func.attr}"
    return ""


def _arg(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    if len(call.args) > index:
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _mode(call: ast.Call, index: int) -> str:
    mode = _arg(call, index, "mode")
    return mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"


def write_target(call: ast.Call) -> ast.expr | None:
    """The file a call creates or overwrites (None: not a write)."""
    name = _name(call.func)
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if name == "open":
        return _arg(call, 0, "file") if any(c in _mode(call, 1) for c in WRITE_MODES["open"]) else None
    if name == ".open":  # Path.open(mode)
        return receiver if any(c in _mode(call, 0) for c in WRITE_MODES["open"]) else None
    if name in ("h5py.File", ".File"):
        return _arg(call, 0, "name") if _mode(call, 1) in WRITE_MODES["File"] else None
    if name in (".write_text", ".write_bytes"):
        return receiver
    if name in ("save_file", ".save_file"):
        return _arg(call, 1, "filename")
    if name in ("json.dump", "torch.save", "pickle.dump"):
        return _arg(call, 1, "f" if name == "torch.save" else "fp")
    if name in ("np.save", "np.savez", "np.savez_compressed", "numpy.save", ".savefig", ".to_csv"):
        return _arg(call, 0, "file")
    if name.startswith("shutil.copy") or name == "shutil.move":
        return _arg(call, 1, "dst")
    return None


def _atomic_names(tree: ast.AST) -> set[str]:
    """Names bound from the atomic functions (``with atomic_path(p) as tmp``), and names made from those."""
    names: set[str] = set()

    def uses(node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))

    def atomic_call(node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and _name(node.func).split(".")[-1] in ATOMIC

    for _ in range(3):  # a name made from a name made from tmp
        for node in ast.walk(tree):
            if isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name) and (atomic_call(item.context_expr) or uses(item.context_expr)):
                        names.add(item.optional_vars.id)
            elif isinstance(node, ast.Assign) and uses(node.value):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def offending_writes(sources: list[Path], root: Path = ROOT) -> list[str]:
    """``file:line: code`` of each call that writes a file other than a path the atomic functions handed out."""
    out = []
    for path in sources:
        rel = path.relative_to(root).as_posix()
        if rel in ALLOWED:
            continue
        source = path.read_text()
        tree = ast.parse(source)
        atomic = _atomic_names(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            target = write_target(node)
            if target is None or any(isinstance(n, ast.Name) and n.id in atomic for n in ast.walk(target)):
                continue
            if ast.unparse(target) == "os.devnull" or (rel, ast.get_source_segment(source, node)) in ALLOWED_CALLS:
                continue
            out.append(f"{rel}:{node.lineno}: {ast.get_source_segment(source, node)}")
    return out


def test_every_file_write_goes_through_hepzoo_atomic():
    offending = offending_writes(SOURCES)
    assert offending == [], "write these through the atomic functions (atomic_path / atomic_write_text / atomic_h5)"


def test_the_audit_sees_direct_writes_and_only_them(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        'Path("x.json").write_text("{}")\n'
        'np.save("a.npy", x)\n'
        'with atomic_path(p) as tmp:\n'
        '    np.save(tmp, x)\n'
        '    torch.save(state, "tmp_model.pt")\n'  # "tmp" in a name is not a temporary path
        'raise ValueError("torch.save( is not used here")\n'  # a message is not a call
        'with atomic_folder(out, ok) as folder:\n'
        '    weights = folder / "model.safetensors"\n'
        '    save_file(tensors, weights)\n'
        '    with open(folder / "config.json", "w") as f:\n'
        '        json.dump(config, f)\n'
        'with open(report, "a") as log:\n'
        '    json.dump(row, log)\n'
        'h5py.File(path, "r")\n'
        'h5py.File(path, mode="w")\n'
        'fig.savefig(out / "plot.pdf")\n'
        'open(os.devnull, "w")\n'
    )
    lines = sorted(int(line.split(":")[1]) for line in offending_writes([probe], tmp_path))
    assert lines == sorted([1, 2, 5, 12, 13, 15, 16])


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
