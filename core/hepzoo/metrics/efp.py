"""Energy flow polynomials with d <= 4 (Komiske, Metodiev, Thaler, arXiv:1712.07124): torch, batched.

EFP_G = sum_{i1..iN} z_i1 ... z_iN prod_{(k,l) in G} theta_{ik il}, with z_i = pT_i (unnormalised)
and theta_ij = sqrt(deta^2 + dphi^2) (beta = 1, phi wrapped): energyflow's
``EFPSet(("d<=", 4), measure="hadr", beta=1, normed=None, coords="ptyphim")`` as jetnet uses it,
in the same order (36 graphs; ``W1EFP_INDICES`` are jetnet's n == 4, d == 4, prime set).
Trees are contracted leaf by leaf with matrix-vector products; what remains is a triangle or a
square, the trace of a product of ``diag(v) theta^k`` factors. ``efps`` evaluates all graphs at
once in torch (float64, CPU threads or GPU): jets sorted by multiplicity and padded per batch,
every shared sub-expression (theta^k z, the pair product (z theta)(z theta)) computed once, so the
whole d <= 4 set costs one batched matrix product per batch. ``efps_numpy`` is the per-graph
numpy evaluation it replaced, kept as an independent reference for the tests.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

__all__ = ["EFP_GRAPHS", "W1EFP_INDICES", "efps", "efps_numpy", "efp_graph"]

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


def efps_numpy(
    x: np.ndarray,
    mask: np.ndarray | None = None,
    indices: tuple[int, ...] | None = None,
    batch_size: int = 256,
) -> np.ndarray:
    """``efps`` graph by graph in numpy: the slow, independent reference the tests compare with."""
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


class _Plan:
    """What a set of connected graphs needs, worked out once without data: named vectors, leaf
    contractions ("spokes", theta^k @ v), and per graph a sum of a vector or a cycle of factors.

    Vectors are named by the expression that made them ("z", "z*T2(z)", ...), so a vector, spoke or
    pair product that several graphs share is computed once.
    """

    def __init__(self, components: list[tuple[tuple[int, int], ...]]):
        self.vectors: dict[str, tuple[str, str]] = {}  # name -> (parent vector, spoke)
        self.spokes: dict[str, tuple[int, str]] = {}  # name -> (power, vector)
        self.values = {comp: self._recipe(comp) for comp in dict.fromkeys(components)}

    def _attach(self, parent: str, k: int, leaf: str) -> str:
        spoke = f"T{k}({leaf})"
        self.spokes[spoke] = (k, leaf)
        name = f"{parent}*{spoke}"
        self.vectors[name] = (parent, spoke)
        return name

    def _recipe(self, edges: tuple[tuple[int, int], ...]) -> tuple:
        if not edges:
            return ("sum", "z")
        adj = _adjacency(edges)
        names = {v: "z" for v in adj}
        while len(adj) > 1:
            leaf = next((v for v, nb in adj.items() if len(nb) == 1), None)
            if leaf is None:
                break
            ((parent, k),) = adj.pop(leaf).items()
            del adj[parent][leaf]
            names[parent] = self._attach(names[parent], k, names.pop(leaf))
        if len(adj) == 1:
            return ("sum", next(iter(names.values())))
        order = _cycle_order(adj, edges)
        factors = [(names[v], adj[v][order[(i + 1) % len(order)]]) for i, v in enumerate(order)]
        plain = ("z", 1)  # start the cycle at two plain factors: their product is shared
        n = len(factors)
        turn = next((r for r in range(n) if factors[r] == factors[(r + 1) % n] == plain), 0)
        return ("cycle", tuple(factors[turn:] + factors[:turn]))


class _Batch:
    """One padded batch on a torch device: z [B, n], theta^k [B, n, n] and the plan's quantities."""

    def __init__(self, x: Any, mask: Any):
        import torch

        self.z = torch.where(mask, x[..., 2], torch.zeros((), dtype=x.dtype, device=x.device))
        deta = x[:, :, None, 0] - x[:, None, :, 0]
        dphi = torch.abs(x[:, :, None, 1] - x[:, None, :, 1])
        if float(x[..., 1].max() - x[..., 1].min()) > np.pi:  # wrap; a no-op when every |dphi| <= pi
            dphi = torch.fmod(dphi, 2 * np.pi)
            dphi = torch.minimum(dphi, 2 * np.pi - dphi)
        self.theta = {1: torch.sqrt(deta * deta + dphi * dphi)}
        self.vecs: dict[str, Any] = {"z": self.z}
        self.spokes: dict[str, Any] = {}
        self.pairs: dict[tuple, Any] = {}
        self.weighted: dict[tuple, Any] = {}

    def power(self, k: int) -> Any:
        if k not in self.theta:
            half = self.power(k // 2)
            self.theta[k] = half * half if k % 2 == 0 else half * self.power(k - k // 2)
        return self.theta[k]

    def run(self, plan: _Plan) -> dict[tuple, Any]:
        """Value of each of the plan's connected graphs for each jet."""
        import torch

        pending = dict(plan.spokes)
        while pending:  # all spokes whose vector exists, one [B, n, n] @ [B, n, m] product per power
            ready: dict[int, list[str]] = {}
            for name, (k, leaf) in pending.items():
                if self._vector(plan, leaf) is not None:
                    ready.setdefault(k, []).append(name)
            if not ready:
                raise RuntimeError("EFP plan has a spoke whose vector never becomes available")
            for k, names in ready.items():
                stacked = torch.stack([self.vecs[pending[name][1]] for name in names], -1)
                product = self.power(k) @ stacked
                for j, name in enumerate(names):
                    self.spokes[name] = product[..., j]
                    del pending[name]
        return {comp: self._value(plan, recipe) for comp, recipe in plan.values.items()}

    def _vector(self, plan: _Plan, name: str) -> Any:
        """The named vector, or None while a spoke it needs is not computed yet."""
        if name not in self.vecs:
            parent_name, spoke = plan.vectors[name]
            parent = self._vector(plan, parent_name)
            if parent is None or spoke not in self.spokes:
                return None
            self.vecs[name] = parent * self.spokes[spoke]
        return self.vecs[name]

    def _pair(self, first: tuple[str, int], second: tuple[str, int]) -> Any:
        """``diag(v0) theta^k0 diag(v1) theta^k1`` for ``first = (v0, k0)``, ``second = (v1, k1)``."""
        key = (first, second)
        if key not in self.pairs:
            (v0, k0), (v1, k1) = first, second
            inner = self.power(k0) * self.vecs[v1].unsqueeze(-2)
            self.pairs[key] = self.vecs[v0].unsqueeze(-1) * (inner @ self.power(k1))
        return self.pairs[key]

    def _value(self, plan: _Plan, recipe: tuple) -> Any:
        if recipe[0] == "sum":
            return self._vector(plan, recipe[1]).sum(-1)
        f = recipe[1]  # the trace of prod_j diag(v_j) theta^k_j around a triangle or a square
        left = self._pair(f[0], f[1])
        if len(f) == 3:  # tr(P diag(v) theta^k) = sum_ij (P * theta^k)_ij v_j (theta symmetric)
            key = (f[0], f[1], f[2][1])
            if key not in self.weighted:
                self.weighted[key] = left * self.power(f[2][1])
            return (self.weighted[key] @ self._vector(plan, f[2][0]).unsqueeze(-1)).sum((-2, -1))
        right = self._pair(f[2], f[3])
        return (left * right.transpose(-2, -1)).sum((-2, -1))


def _adjacency(edges: tuple[tuple[int, int], ...]) -> dict[int, dict[int, int]]:
    """Vertex -> {neighbour: edge multiplicity}."""
    adj: dict[int, dict[int, int]] = {}
    for (a, b), k in Counter(tuple(sorted(e)) for e in edges).items():
        adj.setdefault(a, {})[b] = k
        adj.setdefault(b, {})[a] = k
    return adj


def _cycle_order(adj: dict[int, dict[int, int]], edges: tuple) -> list[int]:
    """The vertices of a simple cycle in walking order (what is left once the leaves are contracted)."""
    if len(adj) not in (3, 4) or any(len(nb) != 2 for nb in adj.values()):
        raise NotImplementedError(f"EFP graph {edges} is beyond the d <= 4 set this module evaluates")
    start = next(iter(adj))
    order, prev = [start], None
    while True:
        nxt = next(v for v in adj[order[-1]] if v != prev and (v != start or len(order) > 2))
        if nxt == start:
            break
        prev = order[-1]
        order.append(nxt)
    if len(order) != len(adj):
        raise NotImplementedError(f"EFP graph {edges} is beyond the d <= 4 set this module evaluates")
    return order


def efps(
    x: np.ndarray,
    mask: np.ndarray | None = None,
    indices: tuple[int, ...] | None = None,
    batch_size: int = 4096,
    device: Any = None,
    max_elements: int = 1 << 21,
) -> np.ndarray:
    """EFPs of jets ``x`` [N, P, 3] = (eta_rel, phi_rel, pt_rel): ``[N, len(indices)]`` (default all 36).

    Float64 throughout; ``device`` is a torch device (CPU threads by default). Jets are batched by
    multiplicity: at most ``batch_size`` jets and ``max_elements`` entries per [B, n, n] matrix.
    """
    import torch

    x = np.asarray(x, dtype=np.float64)
    mask = (x != 0).any(-1) if mask is None else np.asarray(mask, dtype=bool)
    graphs = [EFP_GRAPHS[i] for i in (range(len(EFP_GRAPHS)) if indices is None else indices)]
    parts = [_components(g) for g in graphs]
    plan = _Plan([comp for comps in parts for comp in comps])
    out = np.empty((len(x), len(graphs)))
    if len(x) == 0:
        return out
    x, mask = _compact(x, mask)
    counts = mask.sum(1)
    by_size = np.argsort(counts, kind="stable")
    start = 0
    while start < len(x):
        stop = start + 1
        while stop < len(x) and stop - start < batch_size:
            n = max(int(counts[by_size[stop]]), 1)
            if (stop - start + 1) * n * n > max_elements:
                break
            stop += 1
        rows = by_size[start:stop]
        n = max(int(counts[rows[-1]]), 1)
        with torch.no_grad():
            batch = _Batch(
                torch.as_tensor(x[rows, :n], device=device), torch.as_tensor(mask[rows, :n], device=device)
            )
            connected = batch.run(plan)
            values = []
            for comps in parts:
                value = connected[comps[0]]
                for comp in comps[1:]:
                    value = value * connected[comp]
                values.append(value)
            out[rows] = torch.stack(values, -1).cpu().numpy()
        start = stop
    return out
