"""Check against the authors' code: their ``Gen``/``Disc`` and ours, identical random weights, same outputs.

The authors' ``models.py`` (kaechb/MDMA, NeurIPS branch) is imported from a folder the user
provides; packages only its plotting and training helpers need (lightning, hist, seaborn,
scikit-learn, ...) are stubbed when absent. Nothing of theirs is copied here.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from contextlib import contextmanager
from pathlib import Path

import torch

from hepzoo.errors import InvalidDataError
from hepzoo_mdma.config import CriticConfig, GeneratorConfig
from hepzoo_mdma.keymap import from_authors
from hepzoo_mdma.networks import MDMACritic, MDMAGenerator

__all__ = ["load_authors_models", "authors_hparams", "compare_with_authors", "STUBBED"]

STUBBED = ("pytorch_lightning", "lightning", "wandb", "hist", "seaborn", "sklearn", "joblib", "pandas", "mplhep",
           "torchdyn", "torchcfm", "jetnet")


class _Anything(types.ModuleType):
    """A stub module: any attribute is a further stub (a class, so it can be subclassed or called)."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return type(name, (), {"__init__": lambda self, *a, **k: None})


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, names: set[str]) -> None:
        self.names = names

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return _Anything(spec.name)

    def exec_module(self, module) -> None:
        module.__path__ = []


def _missing(names: tuple[str, ...]) -> set[str]:
    return {n for n in names if importlib.util.find_spec(n) is None}


@contextmanager
def _authors_on_path(folder: Path):
    finder = _StubFinder(_missing(STUBBED))
    sys.meta_path.append(finder)
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        sys.meta_path.remove(finder)


def load_authors_models(folder: str | Path) -> types.ModuleType:
    """The authors' ``models`` module (``Block``, ``Gen``, ``Disc``) imported from ``folder``."""
    folder = Path(folder)
    if not (folder / "models.py").is_file() or not (folder / "helpers.py").is_file():
        raise InvalidDataError(f"{folder} holds no models.py and helpers.py of kaechb/MDMA; pass their checkout's folder")
    name = "_mdma_authors_models"
    if name in sys.modules:
        return sys.modules[name]
    with _authors_on_path(folder):
        spec = importlib.util.spec_from_file_location(name, folder / "models.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    sys.modules[name] = module
    return module


def authors_hparams(gen: GeneratorConfig, critic: CriticConfig) -> dict:
    """The keyword arguments of the authors' ``Gen``/``Disc`` for our sizes (no conditioning beyond n)."""
    return dict(n_dim=3, l_dim_gen=gen.embed, hidden_gen=gen.hidden, num_layers_gen=gen.layers, heads_gen=gen.heads,
                l_dim=critic.embed, hidden=critic.hidden, num_layers=critic.layers, heads=critic.heads, dropout=0.0,
                cond_dim=1, weightnorm=True, cloudnorm=False, cloudnormgen=False, glu=False, L2=False)


@torch.no_grad()
def compare_with_authors(folder: str | Path, gen: GeneratorConfig | None = None, critic: CriticConfig | None = None,
                         jets: int = 64, max_particles: int = 40, avg_n: float = 25.0, seed: int = 0) -> dict[str, float]:
    """Max |ours - theirs| of generator and critic outputs on random clouds with random multiplicities.

    ``gen_dense``: every particle real. ``gen_masked``: ours on one padded, masked batch vs theirs
    on each jet alone at its multiplicity (how they train: no padding). ``critic_masked``/``mean_field``:
    both on the padded batch with their ``key_padding_mask``. ``gen_authors_padded``: theirs on the
    padded batch, whose mean field starts from padding slots too (their embedding has a bias).
    """
    gen, critic = gen or GeneratorConfig(), critic or CriticConfig()
    authors = load_authors_models(folder)
    torch.manual_seed(seed)
    hp = authors_hparams(gen, critic)
    their_gen, their_disc = authors.Gen(**hp).eval(), authors.Disc(**hp).eval()
    their_gen.avg_n = their_disc.avg_n = avg_n
    for net in (their_gen, their_disc):  # non-zero biases everywhere, so a mis-mapped bias shows
        for p in net.parameters():
            p.add_(0.1 * torch.randn_like(p))
    our_gen, our_critic = MDMAGenerator(gen).eval(), MDMACritic(critic).eval()
    our_gen.load_state_dict({**from_authors(their_gen.state_dict()), "avg_n": torch.tensor(avg_n)}, strict=True)
    our_critic.load_state_dict({**from_authors(their_disc.state_dict()), "avg_n": torch.tensor(avg_n)}, strict=True)

    g = torch.Generator().manual_seed(seed)
    counts = torch.randint(1, max_particles + 1, (jets,), generator=g)
    real = torch.arange(max_particles) < counts[:, None]
    z = torch.randn(jets, max_particles, 3, generator=g) * real[..., None]
    cond = (counts.float() / avg_n).view(-1, 1, 1)
    full_cond = torch.full((jets, 1, 1), max_particles / avg_n)

    gen_dense = (our_gen(z) - their_gen(z, torch.zeros_like(real), full_cond)).abs().max()
    ours_masked = our_gen(z, mask=real)
    gen_masked = max(float((ours_masked[j, :n] - their_gen(z[j : j + 1, :n], torch.zeros(1, int(n), dtype=torch.bool),
                                                           cond[j : j + 1])[0]).abs().max()) for j, n in enumerate(counts))
    padded = (their_gen(z, ~real, cond) - ours_masked)[real].abs().max()
    score, mean_field = our_critic(z, mask=real)
    their_score, their_mean_field = their_disc(z, ~real, cond)
    return {
        "gen_dense": float(gen_dense),
        "gen_masked": gen_masked,
        "critic_masked": float((score - their_score.view(-1, 1)).abs().max()),
        "mean_field": float((mean_field - their_mean_field.squeeze(1)).abs().max()),
        "gen_authors_padded": float(padded),
        "output_scale": float(ours_masked[real].abs().max()),
    }
