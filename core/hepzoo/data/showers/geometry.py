"""CaloChallenge calorimeter geometries: layers x angular x radial bins, read from binning XML.

The conventions follow the challenge's ``XMLHandler`` (CaloChallenge/homepage, ``code/``): the
flat voxel index runs over (layer, alpha, r) with r fastest; alpha-bin centres are the midpoints
of ``linspace(-pi, pi, n_alpha + 1)``; a voxel sits at eta = r cos(alpha), phi = r sin(alpha) with
r the radial bin midpoint. Layers with no radial bins (``r_edges="0"``) are empty and skipped.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from pathlib import Path

import attrs
import numpy as np

from hepzoo.errors import ConfigError

__all__ = [
    "Geometry",
    "GEOMETRY_FILES",
    "VOXEL_COUNTS",
    "binning_path",
    "geometry_for_voxels",
    "read_binning",
    "write_binning",
]

BINNING_DIR = Path(__file__).parent / "binning"
GEOMETRY_FILES = {
    "ds1-photons": "binning_dataset_1_photons.xml",
    "ds1-pions": "binning_dataset_1_pions.xml",
    "ds2": "binning_dataset_2.xml",
    "ds3": "binning_dataset_3.xml",
}
VOXEL_COUNTS = {368: "ds1-photons", 533: "ds1-pions", 6480: "ds2", 40500: "ds3"}
_PIDS = {"photon": 22, "pion": 211, "electron": 11}


def _as_tuple_of_floats(edges) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(e) for e in layer) for layer in edges)


@attrs.define(frozen=True)
class Geometry:
    """One calorimeter binning: per non-empty layer its id, radial bin edges [mm] and alpha bins.

    The fields are plain tuples so the geometry round-trips through ``hepzoo.config``; derived
    arrays (voxel centres, layer slices) are computed on first use.
    """

    name: str = "ds2"
    particle: str = "electron"
    layer_ids: tuple[int, ...] = attrs.field(default=(), converter=lambda v: tuple(int(i) for i in v))
    r_edges: tuple[tuple[float, ...], ...] = attrs.field(default=(), converter=_as_tuple_of_floats)
    n_alpha: tuple[int, ...] = attrs.field(default=(), converter=lambda v: tuple(int(i) for i in v))

    def __attrs_post_init__(self) -> None:
        if not (len(self.layer_ids) == len(self.r_edges) == len(self.n_alpha)):
            raise ConfigError(
                f"geometry {self.name!r}: layer_ids, r_edges and n_alpha need one entry per layer; "
                f"got {len(self.layer_ids)}, {len(self.r_edges)}, {len(self.n_alpha)}"
            )
        for lid, edges, na in zip(self.layer_ids, self.r_edges, self.n_alpha):
            if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:])) or na < 1:
                raise ConfigError(
                    f"geometry {self.name!r} layer {lid}: r_edges must be >= 2 increasing values and "
                    f"n_alpha >= 1; got r_edges={edges}, n_alpha={na}"
                )

    # ----------------------------------------------------------------- constructors
    @classmethod
    def named(cls, name: str) -> Geometry:
        """One of the four challenge geometries: 'ds1-photons', 'ds1-pions', 'ds2', 'ds3'."""
        return _named(cls, name)

    @classmethod
    def from_xml(cls, path: str | Path, name: str | None = None) -> Geometry:
        """Read a challenge binning XML (``<Bins><Bin><Layer id r_edges n_bin_alpha/>``)."""
        fields = read_binning(path)
        if name is not None:
            fields["name"] = name
        return cls(**fields)

    # ----------------------------------------------------------------- sizes
    @property
    def n_layers(self) -> int:
        return len(self.layer_ids)

    @property
    def n_r(self) -> tuple[int, ...]:
        """Radial bins per layer."""
        return tuple(len(e) - 1 for e in self.r_edges)

    @property
    def voxels_per_layer(self) -> tuple[int, ...]:
        return tuple(nr * na for nr, na in zip(self.n_r, self.n_alpha))

    @property
    def n_voxels(self) -> int:
        return int(sum(self.voxels_per_layer))

    @property
    def layer_offsets(self) -> tuple[int, ...]:
        """Start of each layer in the flat voxel index, plus the total at the end."""
        return (0, *(int(v) for v in np.cumsum(self.voxels_per_layer)))

    def layer_slice(self, i: int) -> slice:
        """Flat-index slice of the ``i``-th non-empty layer (an index, not a layer id)."""
        off = self.layer_offsets
        return slice(off[i], off[i + 1])

    @property
    def is_regular(self) -> bool:
        """True when every layer has the same (n_alpha, n_r): the voxels form a 3D grid."""
        return len(set(zip(self.n_alpha, self.n_r))) == 1

    @property
    def grid_shape(self) -> tuple[int, int, int]:
        """(n_layers, n_alpha, n_r) of a regular geometry (DS2/DS3)."""
        if not self.is_regular:
            raise ConfigError(
                f"geometry {self.name!r} has irregular layers; use layer_slice() per layer instead of a grid"
            )
        return (self.n_layers, self.n_alpha[0], self.n_r[0])

    @property
    def alpha_binned(self) -> tuple[int, ...]:
        """Indices of the layers binned in alpha (n_alpha > 1): those with eta/phi features."""
        return tuple(i for i, na in enumerate(self.n_alpha) if na > 1)

    # ----------------------------------------------------------------- coordinates
    @functools.cached_property
    def _coords(self) -> dict[str, np.ndarray]:
        r, a, layer = [], [], []
        for i, (edges, na) in enumerate(zip(self.r_edges, self.n_alpha)):
            e = np.asarray(edges)
            r_mid = 0.5 * (e[1:] + e[:-1])
            a_edges = np.linspace(-np.pi, np.pi, na + 1)
            a_mid = 0.5 * (a_edges[1:] + a_edges[:-1])
            r.append(np.tile(r_mid, na))
            a.append(np.repeat(a_mid, len(r_mid)))
            layer.append(np.full(len(r_mid) * na, i))
        r, a = np.concatenate(r), np.concatenate(a)
        return {
            "r": r,
            "alpha": a,
            "eta": r * np.cos(a),
            "phi": r * np.sin(a),
            "layer": np.concatenate(layer),
        }

    @property
    def r_centres(self) -> np.ndarray:
        """[V] radial bin midpoint of each voxel, mm."""
        return self._coords["r"]

    @property
    def alpha_centres(self) -> np.ndarray:
        """[V] alpha-bin centre of each voxel, radians in (-pi, pi)."""
        return self._coords["alpha"]

    @property
    def eta(self) -> np.ndarray:
        """[V] r cos(alpha), mm (the challenge's 'eta' coordinate)."""
        return self._coords["eta"]

    @property
    def phi(self) -> np.ndarray:
        """[V] r sin(alpha), mm (the challenge's 'phi' coordinate)."""
        return self._coords["phi"]

    @property
    def voxel_layer(self) -> np.ndarray:
        """[V] index of the (non-empty) layer each voxel belongs to."""
        return self._coords["layer"]

    def to_xml(self) -> str:
        """The binning in the challenge's XML schema (empty layers filled in up to the last id)."""
        pid = _PIDS.get(self.particle, 0)
        lines = ["<Bins>", f'   <Bin pid="{pid}" name="{self.particle}">']
        by_id = dict(zip(self.layer_ids, zip(self.r_edges, self.n_alpha)))
        for lid in range(max(self.layer_ids, default=-1) + 1):
            edges, na = by_id.get(lid, ((0.0,), 1))
            text = ",".join(f"{e:g}" for e in edges)
            lines.append(f'      <Layer id="{lid}" r_edges="{text}" n_bin_alpha="{na}" />')
        return "\n".join([*lines, "   </Bin>", "</Bins>", ""])


@functools.cache
def _named(cls: type, name: str) -> Geometry:
    return cls.from_xml(binning_path(name), name=name)


def binning_path(name: str) -> Path:
    """The packaged binning XML of a challenge geometry."""
    if name not in GEOMETRY_FILES:
        raise ConfigError(
            f"unknown calorimeter geometry {name!r}; use one of {sorted(GEOMETRY_FILES)} or an XML path"
        )
    return BINNING_DIR / GEOMETRY_FILES[name]


def read_binning(path: str | Path) -> dict:
    """Parse a challenge binning XML into Geometry fields (non-empty layers only)."""
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise ConfigError(f"binning file {path} does not exist") from None
    except ET.ParseError as exc:
        raise ConfigError(f"binning file {path} is not valid XML ({exc})") from None
    bins = root.findall("Bin")
    if len(bins) != 1:
        raise ConfigError(f"{path} must hold exactly one <Bin> element (one particle); found {len(bins)}")
    ids, edges, alphas = [], [], []
    for layer in bins[0].findall("Layer"):
        try:
            r = [float(s) for s in layer.attrib["r_edges"].split(",")]
            na = int(layer.attrib.get("n_bin_alpha", 1))
            lid = int(layer.attrib["id"])
        except (KeyError, ValueError) as exc:
            raise ConfigError(
                f"{path}: layer {layer.attrib} lacks a valid id/r_edges/n_bin_alpha ({exc})"
            ) from None
        if len(r) > 1:
            ids.append(lid)
            edges.append(tuple(r))
            alphas.append(na)
    if not ids:
        raise ConfigError(f"{path} has no layer with radial bins")
    particle = bins[0].attrib.get("name", "")
    return {"name": path.stem, "particle": particle, "layer_ids": ids, "r_edges": edges, "n_alpha": alphas}


def write_binning(path: str | Path, geometry: Geometry) -> Path:
    """Write ``geometry`` as a challenge binning XML, atomically."""
    from hepzoo.atomic import atomic_write_text

    return atomic_write_text(path, geometry.to_xml())


def geometry_for_voxels(n_voxels: int) -> str:
    """The challenge geometry name with this many voxels."""
    if n_voxels not in VOXEL_COUNTS:
        known = ", ".join(f"{v} ({k})" for k, v in VOXEL_COUNTS.items())
        raise ConfigError(
            f"no CaloChallenge geometry has {n_voxels} voxels (known: {known}); pass the representation "
            "explicitly, e.g. Voxel.from_geometry('path/to/binning.xml')"
        )
    return VOXEL_COUNTS[n_voxels]
