"""Authors' checkpoints are read as tensors only; anything else is refused in one line, nothing unpickled."""

from __future__ import annotations

import os
import pickle

import pytest
import torch

from hepzoo.errors import ConfigError
from hepzoo.hub.checkpoint import read_checkpoint


class _Payload:
    """A pickle that, if it were ever unpickled, would create the file named by ``marker``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.mark.parametrize("save", ["pickle", "torch"])
def test_malicious_pickle_is_refused_without_torchs_advice(tmp_path, save):
    marker, path = tmp_path / "pwned", tmp_path / "ckpt.pt"
    if save == "pickle":
        path.write_bytes(pickle.dumps(_Payload(str(marker))))
    else:
        torch.save({"decoder_state": _Payload(str(marker))}, path)
    with pytest.raises(ConfigError, match="refusing to read .*not a tensors-only torch checkpoint.*GLOBAL|refusing to read .*Unsupported") as info:
        read_checkpoint(path)
    message = str(info.value)
    assert "\n" not in message and "weights_only" not in message and "likely succeed" not in message
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.pt", "is empty"),
        (b"not a checkpoint at all", "junk.pt", "not a tensors-only torch checkpoint"),
        (b"PK\x03\x04 truncated zip", "cut.pt", "is not a torch checkpoint"),
        (pickle.dumps({"a": 1}), "weights.safetensors", "is not a safetensors file"),
    ],
)
def test_files_that_are_not_checkpoints_are_one_line(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=message) as info:
        read_checkpoint(path)
    assert "\n" not in str(info.value)


def test_dev_null_and_folders_are_refused(tmp_path):
    for path in ("/dev/null", tmp_path):
        with pytest.raises(ConfigError, match="not a file|is empty"):
            read_checkpoint(path)


def test_a_weights_only_checkpoint_and_safetensors_read(tmp_path):
    from safetensors.torch import save_file

    torch.save({"decoder_state": {"w": torch.ones(2)}}, tmp_path / "a.tar")
    assert torch.equal(read_checkpoint(tmp_path / "a.tar")["decoder_state"]["w"], torch.ones(2))
    save_file({"w": torch.zeros(3)}, str(tmp_path / "b.safetensors"))
    assert torch.equal(read_checkpoint(tmp_path / "b.safetensors")["w"], torch.zeros(3))


def test_epic_gan_convert_refuses_a_pickle_without_torchs_advice(tmp_path):
    convert = pytest.importorskip("hepzoo_epic_gan.convert")
    path = tmp_path / "EPiC_top_150.tar"
    torch.save({"decoder_state": _Payload(str(tmp_path / "pwned"))}, path)
    with pytest.raises(ConfigError, match="refusing to read") as info:
        convert.read_authors_generator(path)
    assert "likely succeed" not in str(info.value) and not (tmp_path / "pwned").exists()


def unpickling_calls(sources, root):
    """``file:line: code`` of each call that may unpickle: pickle.load(s), Unpickler, allow_pickle=True, torch.load outside read_checkpoint."""
    import ast

    calls = []
    for path in sources:
        source = path.read_text()
        tree = ast.parse(source)
        from_pickle = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                       and n.module == "pickle" for a in n.names}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = ast.unparse(node.func)
            keywords = {k.arg: k.value for k in node.keywords}
            pickles = (
                func in ("pickle.load", "pickle.loads") or func in from_pickle
                or func.endswith("Unpickler")
                or getattr(keywords.get("allow_pickle"), "value", False) is True
            )
            if func == "torch.load":
                trusted = getattr(keywords.get("weights_only"), "value", None) is True
                pickles = not trusted or path != root / "core/hepzoo/hub/checkpoint.py"
            if pickles:
                calls.append(f"{path.relative_to(root)}:{node.lineno}: {ast.get_source_segment(source, node)}")
    return calls


def test_no_source_unpickles():
    """The only torch.load is read_checkpoint's, with weights_only=True; nothing calls pickle.load or allow_pickle."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sources = [*root.glob("core/hepzoo/**/*.py"), *root.glob("plugins/*/hepzoo_*/**/*.py"),
               *root.glob("benchmarks/*.py"), *root.glob("plugins/*/benchmarks/*.py")]
    assert unpickling_calls(sources, root) == [], "read checkpoints with hepzoo.hub.read_checkpoint"


def test_the_unpickling_audit_sees_calls_not_words(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        'state = torch.load(path, map_location="cpu")\n'  # a converter reading authors' files directly
        'state = torch.load(path, weights_only=True)\n'  # safe, but read_checkpoint is the one reader
        'raise ValueError("do not call torch.load( or pickle.load( here")\n'
        'np.load(path, allow_pickle=True)\n'
        'np.load(path)\n'
        'import pickle\n'
        'pickle.loads(blob)\n'
        'from pickle import load as unpickle\n'
        'unpickle(f)\n'
        'load(f)\n'
    )
    assert [int(c.split(":")[1]) for c in unpickling_calls([probe], tmp_path)] == [1, 2, 4, 7, 9]
