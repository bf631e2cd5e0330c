"""A model folder on disk (config.json + model.safetensors + README.md): write it, read it back."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from hepzoo.atomic import atomic_folder
from hepzoo.config import read_model_json, structure, unstructure, write_json
from hepzoo.errors import ConfigError, IntegrityError

if TYPE_CHECKING:
    from hepzoo.hub.card import ModelCard
    from hepzoo.model import Model

__all__ = [
    "CONFIG_NAME", "WEIGHTS_NAME", "CARD_NAME", "save_pretrained", "load_pretrained", "build_model", "is_model_folder",
    "check_model_folder", "TORCH_CHECKPOINTS",
]

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
CARD_NAME = "README.md"


def _version() -> str:
    from hepzoo import __version__

    return __version__


def _missing_files(path: Path) -> list[str]:
    """What a model folder must hold (config.json, model.safetensors) and ``path`` lacks: the one definition."""
    return [name for name in (CONFIG_NAME, WEIGHTS_NAME) if not (path / name).is_file()]


def is_model_folder(path: str | Path) -> bool:
    """Whether ``path`` is a model folder (what ``check_model_folder`` accepts), so hepzoo may replace it."""
    return Path(path).is_dir() and not _missing_files(Path(path))


TORCH_CHECKPOINTS = ("pytorch_model.bin", "*.pt", "*.pth", "*.ckpt", "*.tar")  # what authors publish instead


def check_model_folder(path: str | Path, what: str = "") -> None:
    """Raise a ConfigError naming the fix unless ``path`` is a folder holding config.json and model.safetensors.

    A folder of torch checkpoints (``pytorch_model.bin``, ``*.pt``) is pointed to ``hepzoo convert``.
    """
    path = Path(path)
    what = what or str(path)
    if not path.is_dir():
        raise ConfigError(f"{what} is not a folder; point it at a model folder written by save_pretrained")
    missing = _missing_files(path)
    if not missing:
        return
    checkpoints = sorted({p.name for pattern in TORCH_CHECKPOINTS for p in path.glob(pattern) if p.is_file()})
    if checkpoints:
        raise ConfigError(
            f"{what} holds a torch checkpoint ({', '.join(checkpoints[:3])}) but no {' or '.join(missing)}; "
            f"hepzoo loads safetensors model folders only: convert it with 'hepzoo convert FAMILY "
            f"{path / checkpoints[0]} -o NEW_FOLDER'"
        )
    raise ConfigError(f"{what} has no {' or '.join(missing)}; point it at a folder written by save_pretrained")


def save_pretrained(
    model: Model, directory: str | Path, card: ModelCard | None = None, extra_files: Mapping[str, Path] | None = None
) -> Path:
    """Write the three files into ``directory`` atomically (a half-written folder never appears).

    The folder is written beside ``directory`` and swapped in; an existing ``directory`` is
    replaced only if it is empty or a model folder itself, anything else is an OutputError.
    ``extra_files`` (relative name -> source file, e.g. the card's figures) are copied in with them.
    """
    from safetensors.torch import save_file

    from hepzoo.hub.card import ModelCard

    directory = Path(directory)
    with atomic_folder(directory, is_model_folder, what="hepzoo model folder") as tmp:
        write_json(
            tmp / CONFIG_NAME,
            {
                "family": model.family,
                "tag": model.tag,
                "hepzoo_version": _version(),
                "config": unstructure(model.config),
            },
        )
        state = {k: v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()}
        # one metadata key: safetensors orders several arbitrarily, which would change the sha256
        save_file(state, str(tmp / WEIGHTS_NAME), metadata={"format": "pt"})
        (tmp / WEIGHTS_NAME).chmod((tmp / CONFIG_NAME).stat().st_mode & 0o777)  # safetensors writes 0600
        card = card or ModelCard()
        (tmp / CARD_NAME).write_text(card.render(model.family, model.tag, conditions=model.conditions))
        for name, source in (extra_files or {}).items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, tmp / name)
    return directory


def load_pretrained(
    directory: str | Path, expected_family: str | None = None, tag: str | None = None
) -> Model:
    """Build a model from its folder: config -> family class -> strict weight loading."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    directory = Path(directory)
    check_model_folder(directory)
    weights = directory / WEIGHTS_NAME
    model = build_model(directory / CONFIG_NAME, expected_family, weights=weights)
    model.tag = tag or model.tag
    try:
        state = load_file(str(weights))
    except (SafetensorError, OSError, ValueError) as exc:
        raise IntegrityError(f"{weights} is not a readable safetensors file ({exc}); download it again") from None
    load_state_strict(model, state, str(weights))
    check_prior_within_conditions(model, str(directory))
    return model.eval()


def check_prior_within_conditions(model, where: str) -> None:
    """Refuse a stored prior that draws conditions outside the ranges the config declares (it would be clamped)."""
    prior = getattr(model, "prior", None)
    low, high = getattr(prior, "low", None), getattr(prior, "high", None)
    import torch

    if not (isinstance(low, torch.Tensor) and isinstance(high, torch.Tensor)):
        return  # no prior, or one that keeps no fitted range
    if not bool((high != 0).any() or (low != 0).any()):
        return  # a prior never fitted
    columns = tuple(getattr(prior, "columns", ()))
    for cond in getattr(model, "conditions", ()):
        if cond.name not in columns or cond.low is None or cond.high is None:
            continue
        i = columns.index(cond.name)
        lo, hi = float(low[i]), float(high[i])
        slack = 1e-6 * max(1.0, abs(cond.low), abs(cond.high))  # float32 storage of a fitted range
        if hi > cond.high + slack or lo < cond.low - slack:
            raise ConfigError(
                f"{where}: the stored prior draws {cond.name} in [{lo:g}, {hi:g}] but the config allows only "
                f"[{cond.low:g}, {cond.high:g}]; restore the config the model was trained with "
                f"(e.g. max_particles >= {hi:g})"
            )


def build_model(
    config_path: str | Path, expected_family: str | None = None, weights: str | Path | None = None
) -> Model:
    """The model a ``config.json`` describes, with fresh (untrained) weights: config -> family class.

    Every family is built here, inside ``allocation_budget``: a network far bigger than the
    ``weights`` file it is for (or, without one, than this machine's memory) is one ConfigError
    naming the config keys, before torch allocates it.
    """
    from hepzoo.hub.build_budget import allocation_budget, weights_summary
    from hepzoo.plugins.manager import get_registry

    config_path = Path(config_path)
    data = read_model_json(config_path)
    family = data.get("family")
    if expected_family and family != expected_family:
        raise ConfigError(f"{config_path.parent} holds a {family!r} model, expected {expected_family!r}")
    cls = get_registry().get("family", family).load()
    config = structure(data.get("config", {}), cls.config_cls, what=str(config_path))
    summary = weights_summary(weights) if weights is not None else None
    with allocation_budget(data["config"], str(config_path), summary, Path(weights).name if weights else ""):
        model = cls.from_config(config)
    model.tag = data.get("tag")
    return model


def load_state_strict(model, state: dict, where: str) -> None:
    """load_state_dict(strict=True) with an error that lists missing, extra and mis-shaped keys."""
    _resize_variable_buffers(model, state)
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    shapes = [
        f"{k}: file {tuple(state[k].shape)} vs model {tuple(own[k].shape)}"
        for k in sorted(set(own) & set(state))
        if tuple(own[k].shape) != tuple(state[k].shape)
    ]
    if missing or extra or shapes:
        parts = []
        if missing:
            parts.append(f"missing keys {missing[:5]}{' ...' if len(missing) > 5 else ''}")
        if extra:
            parts.append(f"unexpected keys {extra[:5]}{' ...' if len(extra) > 5 else ''}")
        if shapes:
            parts.append("shape mismatch " + "; ".join(shapes[:3]))
        raise ConfigError(
            f"{where} does not fit the model its config describes ({', '.join(parts)}); "
            "the weights and config.json come from different models"
        )
    model.load_state_dict(state, strict=True)


def _resize_variable_buffers(model, state: dict) -> None:
    """Give buffers a module declares variable-sized (``_resizable_buffers``) the file's shape."""
    import torch

    for prefix, module in model.named_modules():
        for name in getattr(module, "_resizable_buffers", ()):
            key = f"{prefix}.{name}" if prefix else name
            if key in state:
                module.register_buffer(name, torch.empty_like(state[key]))
