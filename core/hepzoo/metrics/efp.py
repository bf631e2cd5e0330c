"""Energy flow polynomials with d <= 4 (Komiske, Metodiev, Thaler, arXiv:1712.07124), in numpy.

EFP_G = sum_{i1..iN} z_i1 ... z_iN prod_{(k,l) in G} theta_{ik il}, with z_i = pT_i (unnormalised)
and theta_ij = sqrt(deta^2 + dphi^2) (beta = 1, phi wrapped): energyflow's
``EFPSet(("d<=", 4), measure="hadr", beta=1, normed=None, coords="ptyphim")`` as jetnet uses it,
in the same order (36 graphs; ``W1EFP_INDICES`` are jetnet's n == 4, d == 4, prime set).
Trees are contracted leaf by leaf with matrix-vector products; the remaining cycle (triangle or
square) costs one or two batched matrix products per jet.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

__all__ = ["EFP_GRAPHS", "W1EFP_INDICES", "efps", "efp_graph"]

# The d <= 4 multigraphs in energyflow's order (edge lists; disconnected graphs are products).
EFP_GRAPHS: tuple[tuple[tuple[int, int], ...], ...] = (
    (),
    ((0, 1),),
    ((0, 1),) * 2,
    ((0, 1),) * 3,
    ((0, 1),) * 4,
    ((0, 1), (0, 2)),
    ((0, 1), (0, 2), (0, 2)),
    ((0, 1), (0, 2), (0, 2), (0, 2)),
    ((0, 1), (0, 1), (0, 2), (0, 2)),
    ((0, 1), (0, 2), (1, 2)),
    ((0, 1), (0, 2), (0, 2), (1, 2)),
    ((0, 1), (0, 2), (0, 3)),
    ((0, 1), (0, 2), (0, 2), (0, 3)),
    ((0, 1), (0, 2), (1, 3)),
    ((0, 1), (0, 2), (0, 2), (1, 3)),
    ((0, 1), (0, 1), (0, 2), (1, 3)),
    ((0, 1), (0, 2), (1, 2), (0, 3)),
    ((0, 1), (0, 2), (1, 3), (2, 3)),
    ((0, 1), (0, 2), (0, 3), (0, 4)),
    ((0, 1), (0, 2), (0, 3), (1, 4)),
    ((0, 1), (0, 2), (1, 3), (2, 4)),
    ((0, 1), (2, 3)),
    ((0, 1), (2, 3), (2, 3)),
    ((0, 1), (2, 3), (2, 3), (2, 3)),
    ((0, 1), (0, 1), (2, 3), (2, 3)),
    ((0, 1), (2, 3), (2, 4)),
    ((0, 1), (0, 1), (2, 3), (2, 4)),
    ((0, 1), (2, 3), (2, 4), (2, 4)),
    ((0, 1), (2, 3), (2, 4), (3, 4)),
    ((0, 1), (2, 3), (4, 5)),
    ((0, 1), (2, 3), (2, 4), (2, 5)),
    ((0, 1), (2, 3), (2, 4), (3, 5)),
    ((0, 1), (0, 2), (3, 4), (3, 5)),
    ((0, 1), (2, 3), (4, 5), (4, 5)),
    ((0, 1), (2, 3), (4, 5), (4, 6)),
    ((0, 1), (2, 3), (4, 5), (6, 7)),
)
W1EFP_INDICES = (12, 14, 15, 16, 17)


def _components(edges: tuple[tuple[int, int], ...]) -> list[tuple[tuple[int, int], ...]]:
    """Connected components as edge lists relabelled 0.. in order of appearance (a cache key)."""
    if not edges:
        return [()]
    parent: dict[int, int] = {}

    def find(v: int) -> int:
        while parent.setdefault(v, v) != v:
            v = parent[v]
        return v

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict[int, list[tuple[int, int]]] = {}
    for a, b in edges:
        groups.setdefault(find(a), []).append((a, b))
    out = []
    for comp in groups.values():
        labels: dict[int, int] = {}
        relabel = [(labels.setdefault(a, len(labels)), labels.setdefault(b, len(labels))) for a, b in comp]
        out.append(tuple(relabel))
    return out


class _Jets:
    """Per-batch z [B, P] and theta^k [B, P, P] (cached powers)."""

    def __init__(self, x: np.ndarray, mask: np.ndarray):
        self.z = np.where(mask, x[..., 2], 0.0)
        deta = x[:, :, None, 0] - x[:, None, :, 0]
        dphi = np.abs(x[:, :, None, 1] - x[:, None, :, 1]) % (2 * np.pi)
        dphi = np.minimum(dphi, 2 * np.pi - dphi)
        self.theta = {1: np.sqrt(deta**2 + dphi**2)}

    def power(self, k: int) -> np.ndarray:
        if k not in self.theta:
            self.theta[k] = self.theta[1] ** k
        return self.theta[k]


def _connected(jets: _Jets, edges: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Value of one connected multigraph for each jet in the batch."""
    if not edges:
        return jets.z.sum(-1)
    mult = Counter(tuple(sorted(e)) for e in edges)
    adj: dict[int, dict[int, int]] = {}
    for (a, b), k in mult.items():
        adj.setdefault(a, {})[b] = k
        adj.setdefault(b, {})[a] = k
    vec = {v: jets.z.copy() for v in adj}
    while len(adj) > 1:
        leaf = next((v for v, nb in adj.items() if len(nb) == 1), None)
        if leaf is None:
            break
        ((parent, k),) = adj.pop(leaf).items()
        del adj[parent][leaf]
        vec[parent] = vec[parent] * np.einsum("bij,bj->bi", jets.power(k), vec.pop(leaf))
    if len(adj) == 1:
        return next(iter(vec.values())).sum(-1)
    # what is left is a single cycle: trace of prod_j diag(v_j) theta^{k_j, j+1}
    start = next(iter(adj))
    order, prev = [start], None
    while True:
        nxt = next(v for v in adj[order[-1]] if v != prev and (v != start or len(order) > 2))
        if nxt == start:
            break
        prev = order[-1]
        order.append(nxt)
    if len(order) != len(adj) or any(len(nb) != 2 for nb in adj.values()):
        raise NotImplementedError(f"EFP graph {edges} is beyond the d <= 4 set this module evaluates")
    mats = [vec[v][:, :, None] * jets.power(adj[v][order[(i + 1) % len(order)]]) for i, v in enumerate(order)]
    if len(mats) == 3:
        return np.einsum("bij,bji->b", _bmm(mats[0], mats[1]), mats[2])
    return np.einsum("bij,bji->b", _bmm(mats[0], mats[1]), _bmm(mats[2], mats[3]))


def _bmm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched matrix product through torch (numpy's stacked matmul is far slower on some BLAS builds)."""
    import torch

    return torch.bmm(
        torch.from_numpy(np.ascontiguousarray(a)), torch.from_numpy(np.ascontiguousarray(b))
    ).numpy()


def efp_graph(x: np.ndarray, mask: np.ndarray, edges: tuple[tuple[int, int], ...]) -> np.ndarray:
    """One EFP (any multigraph whose components are trees or a single cycle) per jet."""
    jets = _Jets(np.asarray(x, dtype=np.float64), np.asarray(mask, dtype=bool))
    out = np.ones(len(jets.z))
    for comp in _components(tuple(edges)):
        out = out * _connected(jets, comp)
    return out


def _compact(x: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move real particles first and drop columns that are padding in every jet."""
    order = np.argsort(~mask, axis=1, kind="stable")
    x = np.take_along_axis(x, order[..., None], axis=1)
    mask = np.take_along_axis(mask, order, axis=1)
    keep = max(int(mask.sum(1).max(initial=0)), 1)
    return x[:, :keep], mask[:, :keep]


def efps(
    x: np.ndarray,
    mask: np.ndarray | None = None,
    indices: tuple[int, ...] | None = None,
    batch_size: int = 256,
) -> np.ndarray:
    """EFPs of jets ``x`` [N, P, 3] = (eta_rel, phi_rel, pt_rel): ``[N, len(indices)]`` (default all 36)."""
    x = np.asarray(x, dtype=np.float64)
    mask = (x != 0).any(-1) if mask is None else np.asarray(mask, dtype=bool)
    graphs = [EFP_GRAPHS[i] for i in (range(len(EFP_GRAPHS)) if indices is None else indices)]
    out = np.empty((len(x), len(graphs)))
    for start in range(0, len(x), batch_size):
        xb, mb = _compact(x[start : start + batch_size], mask[start : start + batch_size])
        jets = _Jets(xb, mb)
        cache: dict[tuple, np.ndarray] = {}
        for j, graph in enumerate(graphs):
            value = np.ones(len(xb))
            for comp in _components(graph):
                if comp not in cache:
                    cache[comp] = _connected(jets, comp)
                value = value * cache[comp]
            out[start : start + len(xb), j] = value
    return out
