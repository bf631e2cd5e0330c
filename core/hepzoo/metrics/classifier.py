"""The CaloChallenge classifier test: a DNN separates generated from reference showers; AUC and JSD.

Following the challenge's ``code/evaluate.py`` (CaloChallenge/homepage; arXiv:2410.21611): an MLP
(Linear + LeakyReLU, BCE-with-logits) trained with Adam, the epoch with the best test accuracy
kept, isotonic calibration fitted on the test split, and on the validation split the AUC and
JSD = (ln 2 - BCE) / ln 2. The isotonic fit (pool adjacent violators) and the AUC are numpy here.
"""

from __future__ import annotations

import copy

import attrs
import numpy as np
import torch
from scipy.special import expit
from scipy.stats import rankdata

from hepzoo.errors import InvalidDataError

__all__ = [
    "ClassifierSettings",
    "IsotonicCalibrator",
    "build_dnn",
    "classifier_test",
    "isotonic_fit",
    "roc_auc",
]


@attrs.define(frozen=True)
class ClassifierSettings:
    """DNN size and training; the defaults are the challenge's (2 x 2048 hidden, 50 epochs, float64)."""

    n_layer: int = 2
    n_hidden: int = 2048
    lr: float = 2e-4
    batch_size: int = 1000
    epochs: int = 50
    split: tuple[float, float, float] = (0.6, 0.2, 0.2)
    float64: bool = True
    seed: int = 0

    @classmethod
    def small(cls, seed: int = 0) -> ClassifierSettings:
        """Seconds on a CPU: 2 x 64 hidden, 20 epochs of batch 128, float32 (for tests and quick looks)."""
        return cls(n_hidden=64, lr=1e-3, batch_size=128, epochs=20, float64=False, seed=seed)


def build_dnn(input_dim: int, settings: ClassifierSettings) -> torch.nn.Sequential:
    """Linear(d, h) + LeakyReLU, ``n_layer`` x [Linear(h, h) + LeakyReLU], Linear(h, 1) (logits)."""
    h = settings.n_hidden
    layers: list[torch.nn.Module] = [torch.nn.Linear(input_dim, h), torch.nn.LeakyReLU()]
    for _ in range(settings.n_layer):
        layers += [torch.nn.Linear(h, h), torch.nn.LeakyReLU()]
    layers.append(torch.nn.Linear(h, 1))
    return torch.nn.Sequential(*layers)


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with tied scores counted half)."""
    labels = np.asarray(labels).astype(bool).reshape(-1)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        raise InvalidDataError("the AUC needs both classes among the labels")
    ranks = rankdata(np.asarray(scores, dtype=np.float64).reshape(-1))
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@attrs.define(frozen=True)
class IsotonicCalibrator:
    """A fitted non-decreasing map: linear interpolation between ``x`` knots, clipped at the ends."""

    x: np.ndarray
    y: np.ndarray

    def predict(self, scores: np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(scores, dtype=np.float64), self.x, self.y)


def isotonic_fit(scores: np.ndarray, labels: np.ndarray, y_min: float = 1e-6, y_max: float = 1 - 1e-6):
    """Least-squares non-decreasing fit of ``labels`` on ``scores`` (pool adjacent violators)."""
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    t = np.asarray(labels, dtype=np.float64).reshape(-1)
    knots, inverse = np.unique(s, return_inverse=True)
    weight = np.bincount(inverse).astype(np.float64)
    mean = np.bincount(inverse, weights=t) / weight
    # stack of blocks: (value, weight, number of knots)
    val, wt, cnt = [], [], []
    for v, w in zip(mean, weight):
        val.append(v)
        wt.append(w)
        cnt.append(1)
        while len(val) > 1 and val[-2] > val[-1]:
            v2, w2, c2 = val.pop(), wt.pop(), cnt.pop()
            val[-1] = (val[-1] * wt[-1] + v2 * w2) / (wt[-1] + w2)
            wt[-1] += w2
            cnt[-1] += c2
    fitted = np.repeat(val, cnt)
    return IsotonicCalibrator(x=knots, y=np.clip(fitted, y_min, y_max))


def _split(n: int, fractions, rng: np.random.Generator) -> list[np.ndarray]:
    perm = rng.permutation(n)
    cuts = (np.cumsum(fractions)[:-1] * n).astype(int)
    return np.split(perm, cuts)


def _predict(model: torch.nn.Module, x: torch.Tensor, batch: int) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        out = [model(x[i : i + batch]).reshape(-1) for i in range(0, len(x), max(batch, 1))]
    return torch.cat(out).double().numpy()


def _bce(prob: np.ndarray, labels: np.ndarray) -> float:
    p = np.clip(prob, 1e-12, 1 - 1e-12)
    return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))


def classifier_test(
    gen: np.ndarray, reference: np.ndarray, settings: ClassifierSettings | None = None
) -> dict[str, float]:
    """Train the DNN to tell ``gen`` [N, d] from ``reference`` [M, d]; AUC and JSD on held-out showers.

    Returns ``auc`` and ``jsd`` (calibrated, the challenge's numbers), ``auc_raw`` and
    ``jsd_raw`` (before calibration), ``accuracy`` on the validation split and ``best_epoch``.
    """
    settings = settings or ClassifierSettings()
    gen, reference = np.asarray(gen, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    if gen.ndim != 2 or reference.ndim != 2 or gen.shape[1] != reference.shape[1]:
        raise InvalidDataError(
            f"classifier inputs must be [N, d] with equal d; got {gen.shape} and {reference.shape}"
        )
    if min(len(gen), len(reference)) < 10:
        raise InvalidDataError("the classifier test needs at least 10 showers in each sample")
    if not (np.isfinite(gen).all() and np.isfinite(reference).all()):
        raise InvalidDataError("classifier inputs contain NaN or inf; check for showers with zero energy")
    n = min(len(gen), len(reference))  # the challenge compares equal-sized samples
    rng = np.random.default_rng(settings.seed)
    parts = [[], [], []]
    for label, data in ((0.0, gen), (1.0, reference)):
        data = data[rng.permutation(len(data))[:n]]
        for k, idx in enumerate(_split(n, settings.split, rng)):
            parts[k].append(np.concatenate([data[idx], np.full((len(idx), 1), label)], axis=1))
    train, test, val = (np.concatenate(p) for p in parts)
    dtype = torch.float64 if settings.float64 else torch.float32
    xtr, ytr = torch.as_tensor(train[:, :-1], dtype=dtype), torch.as_tensor(train[:, -1:], dtype=dtype)
    xte, yte = torch.as_tensor(test[:, :-1], dtype=dtype), test[:, -1]
    xva, yva = torch.as_tensor(val[:, :-1], dtype=dtype), val[:, -1]

    gen_torch = torch.Generator().manual_seed(settings.seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        model = build_dnn(train.shape[1] - 1, settings).to(dtype)
    optim = torch.optim.Adam(model.parameters(), lr=settings.lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    best_acc, best_epoch, best_state = -1.0, 0, copy.deepcopy(model.state_dict())
    for epoch in range(settings.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=gen_torch)
        for i in range(0, len(perm), settings.batch_size):
            idx = perm[i : i + settings.batch_size]
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            optim.zero_grad()
            loss.backward()
            optim.step()
        acc = float(np.mean((_predict(model, xte, settings.batch_size) > 0) == (yte > 0.5)))
        if acc > best_acc:
            best_acc, best_epoch, best_state = acc, epoch + 1, copy.deepcopy(model.state_dict())
        if acc == 1.0:
            break
    model.load_state_dict(best_state)
    p_test = expit(_predict(model, xte, settings.batch_size))
    p_val = expit(_predict(model, xva, settings.batch_size))
    calibrated = isotonic_fit(p_test, yte).predict(p_val)
    ln2 = np.log(2.0)
    return {
        "auc": roc_auc(yva, calibrated),
        "jsd": float((ln2 - _bce(calibrated, yva)) / ln2),
        "auc_raw": roc_auc(yva, p_val),
        "jsd_raw": float((ln2 - _bce(p_val, yva)) / ln2),
        "accuracy": float(np.mean((calibrated > 0.5) == (yva > 0.5))),
        "best_epoch": float(best_epoch),
    }
