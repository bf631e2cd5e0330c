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


def test_no_source_unpickles():
    """The only torch.load is read_checkpoint's, with weights_only=True; nothing calls pickle.load or allow_pickle."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sources = [*root.glob("core/hepzoo/**/*.py"), *root.glob("plugins/*/hepzoo_*/**/*.py"), *root.glob("benchmarks/*.py")]
    calls = []
    for path in sources:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0].replace("``torch.load(", "")  # a docstring naming it
            if re.search(r"pickle\.loads?\(|Unpickler\(|allow_pickle\s*=\s*True|torch\.load\((?!.*weights_only=True)", code):
                calls.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
            elif re.search(r"\btorch\.load\(", code) and path != root / "core/hepzoo/hub/checkpoint.py":
                calls.append(f"{path.relative_to(root)}:{number}: use hepzoo.hub.read_checkpoint")
    assert calls == []
