"""The CaloChallenge classifier test: a network separates generated from reference showers; AUC and JSD.

Following the challenge's ``code/evaluate.py`` (CaloChallenge/homepage; arXiv:2410.21611): a DNN
(Linear + LeakyReLU, BCE-with-logits) or the 3D ResNet of its ``cls-resnet`` mode, trained with
Adam on a train split; the epoch kept is chosen on a test split, isotonic calibration is fitted
on that test split, and on the held-out validation split the AUC and JSD = (ln 2 - BCE) / ln 2
are reported. The challenge keeps the epoch of best test accuracy after a fixed number of
epochs; the CPU presets instead keep the epoch of lowest test loss and stop after ``patience``
epochs without improvement. Every result carries the settings it was made with.
"""

from __future__ import annotations

import copy
import sys
import time
from typing import Any

import attrs
import numpy as np
import torch
from scipy.special import expit
from scipy.stats import rankdata

from hepzoo.errors import InvalidDataError

__all__ = [
    "ClassifierSettings",
    "IsotonicCalibrator",
    "ResNet3d",
    "build_dnn",
    "build_network",
    "classifier_test",
    "isotonic_fit",
    "roc_auc",
]

NETWORKS = ("dnn", "resnet")
_RESNET_BLOCKS = {10: (1, 1, 1, 1), 18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}


@attrs.define(frozen=True)
class ClassifierSettings:
    """Network and training of the classifier test; the defaults are the challenge's (DNN 2 x 2048, float64)."""

    network: str = attrs.field(default="dnn", validator=attrs.validators.in_(NETWORKS))
    n_layer: int = 2
    n_hidden: int = 2048
    resnet_depth: int = attrs.field(default=18, validator=attrs.validators.in_(tuple(_RESNET_BLOCKS)))
    lr: float = 2e-4
    batch_size: int = 1000
    epochs: int = 50
    patience: int | None = None  # None: the challenge's rule (best test accuracy, all epochs)
    min_delta: float = 1e-3  # with patience: a test-loss drop below this (nats) does not count as progress
    split: tuple[float, float, float] = (0.6, 0.2, 0.2)
    float64: bool = True
    standardize: bool = False  # scale inputs to zero mean, unit variance on the train split (not the challenge's)
    seed: int = 0
    device: str = "auto"  # "auto": CUDA when present, else CPU

    @classmethod
    def challenge(cls, seed: int = 0, network: str = "dnn") -> ClassifierSettings:
        """The challenge's settings: DNN 2 x 2048 (or ResNet-18), float64, Adam 2e-4, batch 1000, 50 epochs."""
        return cls(network=network, seed=seed)

    @classmethod
    def cpu(cls, seed: int = 0, network: str = "dnn") -> ClassifierSettings:
        """Minutes on a shared CPU for 10k vs 10k DS2 showers: DNN 2 x 32 (or ResNet-10), float32, early stopping."""
        if network == "resnet":
            return cls(network="resnet", resnet_depth=10, lr=1e-3, batch_size=128, epochs=20, patience=3,
                       float64=False, seed=seed, device="cpu")
        return cls(n_hidden=32, lr=1e-3, batch_size=128, epochs=20, patience=3, float64=False, seed=seed,
                   device="cpu")

    @classmethod
    def small(cls, seed: int = 0) -> ClassifierSettings:
        """Seconds on a CPU: 2 x 64 hidden, 20 epochs of batch 128, float32 (for tests and quick looks)."""
        return cls(n_hidden=64, lr=1e-3, batch_size=128, epochs=20, float64=False, seed=seed)

    @classmethod
    def default(cls, seed: int = 0, network: str = "dnn") -> ClassifierSettings:
        """The challenge's settings where a GPU is present, the CPU preset otherwise."""
        if torch.cuda.is_available():
            return cls.challenge(seed, network)
        return cls.cpu(seed, network)

    def resolved_device(self) -> torch.device:
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(self.device)

    def network_name(self) -> str:
        if self.network == "resnet":
            return f"ResNet-{self.resnet_depth} (3D)"
        return f"DNN {self.n_layer}x{self.n_hidden} LeakyReLU"


def build_dnn(input_dim: int, settings: ClassifierSettings) -> torch.nn.Sequential:
    """Linear(d, h) + LeakyReLU, ``n_layer`` x [Linear(h, h) + LeakyReLU], Linear(h, 1) (logits)."""
    h = settings.n_hidden
    layers: list[torch.nn.Module] = [torch.nn.Linear(input_dim, h), torch.nn.LeakyReLU()]
    for _ in range(settings.n_layer):
        layers += [torch.nn.Linear(h, h), torch.nn.LeakyReLU()]
    layers.append(torch.nn.Linear(h, 1))
    return torch.nn.Sequential(*layers)


class _BasicBlock(torch.nn.Module):
    """Two 3x3x3 convolutions with batch norm and an identity (or 1x1x1 projection) shortcut."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Conv3d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
            torch.nn.BatchNorm3d(c_out),
            torch.nn.ReLU(inplace=True),
            torch.nn.Conv3d(c_out, c_out, 3, padding=1, bias=False),
            torch.nn.BatchNorm3d(c_out),
        )
        self.shortcut = torch.nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = torch.nn.Sequential(
                torch.nn.Conv3d(c_in, c_out, 1, stride=stride, bias=False), torch.nn.BatchNorm3d(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


class ResNet3d(torch.nn.Module):
    """3D ResNet on a shower image plus log10 E_inc: the challenge's ``cls-resnet`` network.

    Residual learning (He et al., arXiv:1512.03385) in 3D (Hara et al., arXiv:1711.09577) with the
    challenge's choices: widths 32, 64, 64, 128; a 7x7x7 stride-2 stem and max pool; basic blocks
    (1,1,1,1) / (2,2,2,2) / (3,4,6,3) for depth 10 / 18 / 34; global average pool; one linear
    logit on the pooled features and the batch-normalised first input column (log10 E_inc).
    Input rows are ``[log10 E_inc, voxels...]`` with the voxels in ``image_shape`` order.
    """

    def __init__(self, image_shape: tuple[int, int, int], depth: int = 18, widths=(32, 64, 64, 128)):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.stem = torch.nn.Sequential(
            torch.nn.Conv3d(1, widths[0], 7, stride=2, padding=3, bias=False),
            torch.nn.BatchNorm3d(widths[0]),
            torch.nn.ReLU(inplace=True),
            torch.nn.MaxPool3d(3, stride=2, padding=1),
        )
        stages, c_in = [], widths[0]
        for k, (c_out, n_blocks) in enumerate(zip(widths, _RESNET_BLOCKS[depth])):
            for b in range(n_blocks):
                stages.append(_BasicBlock(c_in, c_out, 2 if (b == 0 and k > 0) else 1))
                c_in = c_out
        self.stages = torch.nn.Sequential(*stages)
        self.energy_norm = torch.nn.BatchNorm1d(1)
        self.head = torch.nn.Linear(c_in + 1, 1)
        for m in self.modules():
            if isinstance(m, torch.nn.Conv3d):
                torch.nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        energy = self.energy_norm(x[:, :1])
        image = x[:, 1:].reshape(-1, 1, *self.image_shape)
        pooled = self.stages(self.stem(image)).mean(dim=(2, 3, 4))
        return self.head(torch.cat([pooled, energy], dim=1))


def build_network(input_dim: int, settings: ClassifierSettings, image_shape=None) -> torch.nn.Module:
    """The settings' network for ``input_dim`` inputs (the ResNet needs the voxel grid ``image_shape``)."""
    if settings.network == "resnet":
        if image_shape is None or int(np.prod(image_shape)) != input_dim - 1:
            raise InvalidDataError(
                f"the ResNet classifier needs [log10 E_inc, voxels] rows on a regular grid; got {input_dim} "
                f"columns for image shape {image_shape} (use it on cls-low inputs of DS2/DS3)"
            )
        return ResNet3d(image_shape, settings.resnet_depth)
    return build_dnn(input_dim, settings)


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


def _logits(model: torch.nn.Module, x: torch.Tensor, batch: int) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        out = [model(x[i : i + batch]).reshape(-1) for i in range(0, len(x), max(batch, 1))]
    return torch.cat(out).double().cpu().numpy()


def _bce(prob: np.ndarray, labels: np.ndarray) -> float:
    p = np.clip(prob, 1e-12, 1 - 1e-12)
    return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))


def _bce_logits(logits: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.logaddexp(0.0, logits) - labels * logits))


def _progress(total: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="batch", file=sys.stderr, disable=not enabled, leave=False,
                dynamic_ncols=True)


def classifier_test(
    gen: np.ndarray,
    reference: np.ndarray,
    settings: ClassifierSettings | None = None,
    progress: bool = False,
    label: str = "classifier",
    image_shape: tuple[int, int, int] | None = None,
) -> dict[str, Any]:
    """Train the network to tell ``gen`` [N, d] from ``reference`` [M, d]; AUC and JSD on held-out showers.

    Returns ``auc`` and ``jsd`` (calibrated, the challenge's numbers), ``auc_raw`` and
    ``jsd_raw`` (before calibration), ``accuracy`` on the validation split, ``best_epoch`` and
    ``settings``: everything the numbers depend on (network, epochs run, selection rule, lr,
    batch, split sizes, device, dtype, seed). ``progress`` shows a bar with the time left on stderr.
    """
    settings = settings or ClassifierSettings.default()
    gen, reference = np.asarray(gen, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    if gen.ndim != 2 or reference.ndim != 2 or gen.shape[1] != reference.shape[1]:
        raise InvalidDataError(
            f"classifier inputs must be [N, d] with equal d; got {gen.shape} and {reference.shape}"
        )
    if min(len(gen), len(reference)) < 10:
        raise InvalidDataError("the classifier test needs at least 10 showers in each sample")
    if not (np.isfinite(gen).all() and np.isfinite(reference).all()):
        raise InvalidDataError("classifier inputs contain NaN or inf; check for showers with zero energy")
    start = time.perf_counter()
    n = min(len(gen), len(reference))  # the challenge compares equal-sized samples
    rng = np.random.default_rng(settings.seed)
    parts: list[list[np.ndarray]] = [[], [], []]
    for value, data in ((0.0, gen), (1.0, reference)):
        data = data[rng.permutation(len(data))[:n]]
        for k, idx in enumerate(_split(n, settings.split, rng)):
            parts[k].append(np.concatenate([data[idx], np.full((len(idx), 1), value)], axis=1))
    train, test, val = (np.concatenate(p) for p in parts)
    if settings.standardize:
        mean, std = train[:, :-1].mean(axis=0), train[:, :-1].std(axis=0)
        std[std == 0] = 1.0
        for part in (train, test, val):
            part[:, :-1] = (part[:, :-1] - mean) / std
    device = settings.resolved_device()
    dtype = torch.float64 if settings.float64 else torch.float32

    def tensor(a: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(a, dtype=dtype).to(device)

    xtr, ytr = tensor(train[:, :-1]), tensor(train[:, -1:])
    xte, yte = tensor(test[:, :-1]), test[:, -1]
    xva, yva = tensor(val[:, :-1]), val[:, -1]
    gen_torch = torch.Generator().manual_seed(settings.seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        model = build_network(train.shape[1] - 1, settings, image_shape).to(device=device, dtype=dtype)
    optim = torch.optim.Adam(model.parameters(), lr=settings.lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    by_loss = settings.patience is not None
    best_score, best_epoch, best_state, stale, epochs_run = np.inf, 0, copy.deepcopy(model.state_dict()), 0, 0
    n_batches = -(-len(xtr) // settings.batch_size)
    with _progress(settings.epochs * n_batches, label, progress) as bar:
        for epoch in range(settings.epochs):
            model.train()
            perm = torch.randperm(len(xtr), generator=gen_torch).to(device)
            for i in range(0, len(perm), settings.batch_size):
                idx = perm[i : i + settings.batch_size]
                loss = loss_fn(model(xtr[idx]), ytr[idx])
                optim.zero_grad()
                loss.backward()
                optim.step()
                bar.update(1)
            epochs_run = epoch + 1
            logits = _logits(model, xte, settings.batch_size)
            test_loss = _bce_logits(logits, yte)
            accuracy = float(np.mean((logits > 0) == (yte > 0.5)))
            score = test_loss if by_loss else -accuracy
            bar.set_postfix(epoch=epochs_run, test_loss=f"{test_loss:.4f}", test_acc=f"{accuracy:.4f}")
            if score < best_score:
                stale = stale + 1 if by_loss and score > best_score - settings.min_delta else 0
                best_score, best_epoch, best_state = score, epochs_run, copy.deepcopy(model.state_dict())
            else:
                stale += 1
            if accuracy == 1.0 or (by_loss and stale >= settings.patience):
                break
    model.load_state_dict(best_state)
    p_test = expit(_logits(model, xte, settings.batch_size))
    p_val = expit(_logits(model, xva, settings.batch_size))
    calibrated = isotonic_fit(p_test, yte).predict(p_val)
    ln2 = np.log(2.0)
    used = {
        "network": settings.network_name(),
        "input_dim": int(train.shape[1] - 1),
        "dtype": "float64" if settings.float64 else "float32",
        "standardized_inputs": settings.standardize,
        "device": str(device),
        "lr": settings.lr,
        "batch_size": settings.batch_size,
        "max_epochs": settings.epochs,
        "epochs_run": epochs_run,
        "best_epoch": best_epoch,
        "selection": (
            f"lowest test loss, early stopping with patience {settings.patience} (min_delta {settings.min_delta:g})"
            if by_loss
            else "best test accuracy over all epochs (the challenge's)"
        ),
        "n_train": len(train),
        "n_test": len(test),
        "n_val": len(val),
        "seed": settings.seed,
        "seconds": round(time.perf_counter() - start, 1),
    }
    return {
        "auc": roc_auc(yva, calibrated),
        "jsd": float((ln2 - _bce(calibrated, yva)) / ln2),
        "auc_raw": roc_auc(yva, p_val),
        "jsd_raw": float((ln2 - _bce(p_val, yva)) / ln2),
        "accuracy": float(np.mean((calibrated > 0.5) == (yva > 0.5))),
        "best_epoch": float(best_epoch),
        "settings": used,
    }
