"""An optional elevation model (GeoTIFF, any CRS) → heights and slopes in the region's CRS.

The DEM is reprojected once, when it is loaded, into the region's metric (UTM) CRS, so that
the flatness criterion can sample it with the venue polygons directly and a pixel's size is
in metres. Slope is precomputed for the whole raster once (one ``np.gradient``) rather than
per venue.

Reprojection uses bilinear resampling (heights are a continuous surface; nearest neighbour
would turn a smooth ramp into steps and inflate the slope) at about the source resolution
(``calculate_default_transform``), so nothing is invented and nothing meaningful is lost.
Nodata stays NaN all the way through: a slope next to a hole is NaN, never a cliff.
Terrain tiles (:mod:`.terrain`) go through the same warp (:func:`region_grid`,
:func:`reproject_heights`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import InputError

if TYPE_CHECKING:
    from affine import Affine
    from pyproj import CRS

#: Refuse rasters larger than this after reprojection (two float32 arrays of this size are
#: held in memory: ~0.8 GB at the limit). A city-sized 1 m DEM is ~10–50 M pixels; anything
#: bigger should be clipped to the region first.
MAX_PIXELS = 100_000_000


@dataclass
class Bounds:
    """Extent of a raster in its CRS."""

    left: float
    bottom: float
    right: float
    top: float


@dataclass
class Elevation:
    """A DEM in the region's metric CRS, ready for sampling.

    Attributes
    ----------
    heights
        2-D float32 array, metres; NaN where there is no data.
    transform
        Affine pixel → CRS transform (north-up, square-ish pixels in metres).
    crs
        The region's metric CRS (a ``pyproj.CRS``).
    source
        File name of the DEM, cited in reasons.
    bounds
        Extent of ``heights`` (computed).
    slope_pct
        Percent grade of every pixel, ``100 * hypot(dz/dx, dz/dy)`` (computed; NaN where a
        neighbour has no data).
    """

    heights: np.ndarray
    transform: "Affine"
    crs: "CRS"
    source: str = "DEM"
    bounds: Bounds = field(init=False)
    slope_pct: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.heights = np.asarray(self.heights, dtype=np.float32)
        if self.heights.ndim != 2 or min(self.heights.shape) < 2:
            raise InputError(
                f"DEM {self.source}: needs at least 2×2 pixels, got shape {self.heights.shape}")
        rows, cols = self.heights.shape
        left, top = self.transform @ (0, 0)
        right, bottom = self.transform @ (cols, rows)
        self.bounds = Bounds(min(left, right), min(bottom, top), max(left, right),
                             max(bottom, top))
        self.slope_pct = slope_percent(self.heights, self.transform)

    @property
    def pixel_size(self) -> tuple[float, float]:
        """(width, height) of one pixel in metres."""
        return abs(self.transform.a), abs(self.transform.e)


def slope_percent(heights: np.ndarray, transform: "Affine") -> np.ndarray:
    """Percent grade of each pixel from central differences (one-sided at the edges).

    Parameters
    ----------
    heights
        2-D heights in metres, NaN for no data.
    transform
        North-up affine transform whose pixel size is in metres.

    Returns
    -------
    numpy.ndarray
        ``100 * hypot(dz/dx, dz/dy)``, float32; NaN wherever a difference touches NaN.
    """
    # Rows run along y and columns along x; the sign of the spacing does not matter for the
    # magnitude of the gradient, so absolute pixel sizes are used.
    dz_dy, dz_dx = np.gradient(heights, abs(transform.e), abs(transform.a))
    return (100.0 * np.hypot(dz_dx, dz_dy)).astype(np.float32)


def load_dem(path: Path, crs: "CRS") -> Elevation:
    """Read a single-band elevation GeoTIFF and reproject it into the region's CRS.

    Parameters
    ----------
    path
        A GeoTIFF (or any GDAL raster) in any CRS, heights in metres in band 1.
    crs
        The region's metric CRS (a projected ``pyproj.CRS``, normally UTM).

    Returns
    -------
    Elevation
        Heights and slope in ``crs`` at about the source resolution, NaN for no data.

    Raises
    ------
    InputError
        The file is missing, unreadable, not a raster, has no CRS, has no valid heights, or
        is too large; the message is one line naming the file.
    ValueError
        ``crs`` is not projected (a programming error, not bad input).
    """
    import rasterio
    from rasterio.crs import CRS as RasterioCRS
    from rasterio.errors import RasterioError

    if not getattr(crs, "is_projected", False):
        raise ValueError(f"load_dem needs a projected (metric) CRS, got {crs!r}")
    path = Path(path).expanduser()
    if not path.exists():
        raise InputError(f"DEM not found: {path}")
    if not path.is_file():
        raise InputError(f"DEM is not a file: {path}")

    dst_crs = crs.to_wkt()  # rasterio takes WKT; the pyproj CRS is kept for geopandas
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise InputError(f"DEM {path.name} has no CRS (georeference it first)")
            src_crs, src_transform = src.crs, src.transform
            # Already in the region's CRS and north-up: resampling would only blur it.
            same_grid = (src_crs == RasterioCRS.from_wkt(dst_crs)
                         and src_transform.b == 0 and src_transform.d == 0)
            if same_grid:
                dst_transform, dst_width, dst_height = src_transform, src.width, src.height
            else:
                dst_transform, dst_width, dst_height = region_grid(
                    src_crs, src_transform, src.width, src.height, crs)
            # Checked before reading, so a huge file fails fast instead of exhausting memory.
            if max(src.width * src.height, dst_width * dst_height) > MAX_PIXELS:
                raise InputError(
                    f"DEM {path.name} is too large ({dst_width}×{dst_height} pixels, limit "
                    f"{MAX_PIXELS:,}); clip it to the region first")
            # masked=True turns the declared nodata (and any internal mask) into NaN; NaN
            # heights already in a float raster stay NaN.
            band = src.read(1, masked=True).astype(np.float32).filled(np.nan)
    except InputError:
        raise
    except (RasterioError, OSError, ValueError) as exc:
        raise InputError(f"unreadable DEM {path.name}: {_one_line(exc)}") from exc

    if same_grid:
        heights = band
    else:
        try:
            heights = reproject_heights(band, src_crs, src_transform, crs, dst_transform,
                                        (dst_height, dst_width))
        except (RasterioError, ValueError) as exc:
            raise InputError(f"cannot reproject DEM {path.name}: {_one_line(exc)}") from exc

    if not np.isfinite(heights).any():
        raise InputError(f"DEM {path.name} has no valid heights")
    return Elevation(heights=heights, transform=dst_transform, crs=crs, source=path.name)


def region_grid(src_crs: object, src_transform: "Affine", width: int, height: int,
                crs: "CRS") -> tuple["Affine", int, int]:
    """The grid in *crs* that covers a source raster at about the source's resolution.

    Parameters
    ----------
    src_crs
        The source's CRS (anything rasterio accepts: a rasterio CRS, ``"EPSG:3857"``).
    src_transform, width, height
        The source's affine transform and size in pixels.
    crs
        The region's metric CRS.

    Returns
    -------
    tuple
        ``(transform, width, height)`` of the target grid.
    """
    from rasterio.transform import array_bounds
    from rasterio.warp import calculate_default_transform

    west, south, east, north = array_bounds(height, width, src_transform)
    return calculate_default_transform(src_crs, crs.to_wkt(), width, height,
                                       west, south, east, north)


def reproject_heights(band: np.ndarray, src_crs: object, src_transform: "Affine", crs: "CRS",
                      dst_transform: "Affine", dst_shape: tuple[int, int]) -> np.ndarray:
    """Warp a height band onto a grid in *crs*: bilinear, NaN in and NaN out for no data.

    The one resampling every elevation source goes through (GeoTIFF and terrain tiles), so
    their slopes are comparable; see the module docstring for why bilinear.

    Raises
    ------
    rasterio.errors.RasterioError, ValueError
        GDAL cannot warp between the two CRSs; callers name their source in the message.
    """
    from rasterio.warp import Resampling, reproject

    heights = np.full(dst_shape, np.nan, dtype=np.float32)
    reproject(band, heights, src_transform=src_transform, src_crs=src_crs,
              dst_transform=dst_transform, dst_crs=crs.to_wkt(), src_nodata=np.nan,
              dst_nodata=np.nan, resampling=Resampling.bilinear)
    return heights


def _one_line(exc: BaseException) -> str:
    """GDAL messages may span lines; the CLI prints one."""
    return " ".join(str(exc).split()) or type(exc).__name__
