"""Authors' checkpoints read as tensors only (safetensors, or ``torch.load(weights_only=True)``), never unpickled.

Every family's ``hepzoo convert`` starts here, so a file that is empty, not a checkpoint, or a
pickle of arbitrary Python objects is refused in one line, without repeating torch's advice to
load it with ``weights_only=False`` (which would run whatever the pickle holds).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from pickle import UnpicklingError  # only the error torch's weights-only loader raises; nothing is unpickled
from typing import Any

from hepzoo.errors import ConfigError

__all__ = ["read_checkpoint"]

_TORCH_ADVICE = ("weights_only", "re-running", "check the documentation", "please file an issue", "trusted source")


def _unpickler_reason(exc: BaseException) -> str:
    """What torch's weights-only unpickler refused (e.g. 'GLOBAL posix.system'), without its advice."""
    lines = [line.strip() for line in str(exc).splitlines()]
    useful = [line.removeprefix("WeightsUnpickler error:").strip() for line in lines
              if line and not any(word in line.lower() for word in _TORCH_ADVICE)]
    return next((line for line in useful if line), type(exc).__name__)


def read_checkpoint(path: str | Path) -> Any:
    """The content of a checkpoint file as tensors and plain containers; anything else is one ConfigError."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path} is not a file; pass the checkpoint file (.pt, .pth, .tar, .ckpt or .safetensors)")
    if path.stat().st_size == 0:
        raise ConfigError(f"{path} is empty; pass the authors' checkpoint file (download it again?)")
    if path.suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise ConfigError(
                f"{path} is not a safetensors file ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
                "if it is a torch checkpoint, give it a .pt suffix"
            ) from None
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except UnpicklingError as exc:
        raise ConfigError(
            f"refusing to read {path}: it is not a tensors-only torch checkpoint ({_unpickler_reason(exc)}); "
            "hepzoo never unpickles Python objects — ask for the weights as safetensors"
        ) from None
    except (EOFError, RuntimeError, ValueError, OSError, zipfile.BadZipFile, AttributeError, IndexError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"{path} is not a torch checkpoint ({first}); pass the authors' .pt/.tar file") from None
