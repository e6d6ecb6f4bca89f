"""load_dem: reading, reprojecting and slope of elevation GeoTIFFs, and its errors.

Rasters are written by hand with rasterio so that the true slope is known exactly.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import CRS, Transformer

from venuefinder.errors import InputError
from venuefinder.sources.dem import Elevation, load_dem, slope_percent

UTM35 = CRS.from_epsg(32635)  # the region CRS venuefinder picks for Helsinki
TM35FIN = CRS.from_epsg(3067)  # the Finnish national grid many DEMs come in
ORIGIN = (385_000.0, 6_672_100.0)  # top-left corner in EPSG:3067, near Helsinki


def from_origin(west: float, north: float, xsize: float, ysize: float) -> Affine:
    """North-up transform (rasterio's own ``from_origin`` warns under affine 3)."""
    return Affine(xsize, 0.0, west, 0.0, -ysize, north)


REAL_DEM = Path(__file__).resolve().parents[1] / "data" / "helsinki_lapinlahti_2021.tif"


def write_raster(path: Path, heights: np.ndarray, crs: Optional[str], transform: Affine,
                 nodata: Optional[float] = None) -> Path:
    """Write a single-band float32 GeoTIFF."""
    profile = dict(driver="GTiff", width=heights.shape[1], height=heights.shape[0], count=1,
                   dtype="float32", transform=transform, nodata=nodata)
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(heights.astype("float32"), 1)
    return path


def ramp_3067(slope_pct: float, size: int = 100, res: float = 1.0) -> np.ndarray:
    """Heights rising northwards by ``slope_pct`` percent on a north-up metric grid."""
    rows = np.arange(size, dtype=float)[:, None]
    return np.repeat((size - rows) * res * slope_pct / 100.0, size, axis=1)


def ramp_4326(slope_pct: float) -> tuple[np.ndarray, Affine]:
    """The same northward ramp sampled on a lon/lat grid over the same ground.

    Heights are computed from each pixel centre's EPSG:3067 northing, so after
    reprojection the true slope is exactly ``slope_pct``.
    """
    to_ll = Transformer.from_crs(TM35FIN, "EPSG:4326", always_xy=True)
    to_m = Transformer.from_crs("EPSG:4326", TM35FIN, always_xy=True)
    lon0, lat0 = to_ll.transform(ORIGIN[0] - 20, ORIGIN[1] + 20)
    dlon, dlat = 2.0e-5, 1.0e-5  # ~1.1 m each way at 60° N
    transform = from_origin(lon0, lat0, dlon, dlat)
    cols, rows = np.meshgrid(np.arange(160) + 0.5, np.arange(140) + 0.5)
    lon, lat = transform @ (cols, rows)
    _, northing = to_m.transform(lon, lat)
    return (northing - ORIGIN[1] + 200) * slope_pct / 100.0, transform


def test_flat_plane_in_the_region_crs_is_kept_as_is(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "flat.tif", np.full((50, 60), 12.5), "EPSG:3067",
                        from_origin(*ORIGIN, 1.0, 1.0))
    dem = load_dem(path, TM35FIN)
    assert isinstance(dem, Elevation)
    assert dem.heights.shape == (50, 60)
    assert dem.transform == from_origin(*ORIGIN, 1.0, 1.0)
    np.testing.assert_allclose(dem.heights, 12.5)
    np.testing.assert_allclose(dem.slope_pct, 0.0)
    assert dem.source == "flat.tif"
    assert dem.crs == TM35FIN
    assert (dem.bounds.left, dem.bounds.top) == ORIGIN
    assert (dem.bounds.right, dem.bounds.bottom) == (ORIGIN[0] + 60, ORIGIN[1] - 50)


def test_ramp_reprojected_to_utm_keeps_its_slope(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "ramp12.tif", ramp_3067(12.0), "EPSG:3067",
                        from_origin(*ORIGIN, 1.0, 1.0))
    dem = load_dem(path, UTM35)
    assert dem.crs == UTM35
    width, height = dem.pixel_size
    assert width == pytest.approx(1.0, rel=0.05) and height == pytest.approx(1.0, rel=0.05)
    slope = dem.slope_pct[np.isfinite(dem.slope_pct)]
    assert slope.size > 0.9 * 100 * 100
    np.testing.assert_allclose(np.median(slope), 12.0, atol=0.05)
    assert np.percentile(slope, 99) < 12.5


def test_ramp_written_in_wgs84_gives_the_same_slope(tmp_path: Path) -> None:
    heights, transform = ramp_4326(3.0)
    path = write_raster(tmp_path / "ramp3_wgs84.tif", heights, "EPSG:4326", transform)
    dem = load_dem(path, UTM35)
    width, height = dem.pixel_size
    assert 0.5 < width < 2.0 and 0.5 < height < 2.0  # close to the source's ~1.1 m
    # The lon/lat grid lands rotated in UTM: its corners become no data, never zero.
    assert np.isnan(dem.heights).any()
    slope = dem.slope_pct[np.isfinite(dem.slope_pct)]
    assert slope.size > 0.8 * dem.heights.size
    np.testing.assert_allclose(np.percentile(slope, [5, 50, 95]), 3.0, atol=0.1)


def test_nodata_becomes_nan_and_does_not_make_cliffs(tmp_path: Path) -> None:
    heights = ramp_3067(3.0, size=60)
    heights[20:30, 20:30] = -9999.0
    path = write_raster(tmp_path / "holes.tif", heights, "EPSG:3067",
                        from_origin(*ORIGIN, 1.0, 1.0), nodata=-9999.0)
    dem = load_dem(path, UTM35)
    assert np.isnan(dem.heights).sum() >= 100
    assert np.nanmin(dem.heights) > -1  # -9999 never leaks in as a height
    slope = dem.slope_pct[np.isfinite(dem.slope_pct)]
    assert slope.max() < 3.5  # no 10 000 % cliff at the edge of the hole


def test_nan_heights_without_declared_nodata_stay_nan(tmp_path: Path) -> None:
    heights = np.full((30, 30), 5.0)
    heights[:, :10] = np.nan
    path = write_raster(tmp_path / "nan.tif", heights, "EPSG:3067",
                        from_origin(*ORIGIN, 1.0, 1.0))
    dem = load_dem(path, TM35FIN)
    assert np.isnan(dem.heights[:, :10]).all()
    np.testing.assert_allclose(dem.heights[:, 10:], 5.0)


def test_real_helsinki_dem_loads_into_utm() -> None:
    dem = load_dem(REAL_DEM, UTM35)
    assert dem.source == "helsinki_lapinlahti_2021.tif"
    width, height = dem.pixel_size
    assert 0.5 < width < 2.0 and width == pytest.approx(height)
    assert -1.0 < np.nanmin(dem.heights) and np.nanmax(dem.heights) < 12.0
    # Lapinlahti is at about 384 150 E, 6 671 950 N in UTM 35N.
    assert dem.bounds.left < 384_150 < dem.bounds.right
    assert dem.bounds.bottom < 6_671_950 < dem.bounds.top
    assert np.isfinite(dem.slope_pct).mean() > 0.8


def test_slope_percent_of_a_diagonal_plane() -> None:
    # dz/dx = 0.03, dz/dy = 0.04 on 2 m pixels → 5 % grade.
    cols, rows = np.meshgrid(np.arange(20), np.arange(10))
    heights = 0.03 * cols * 2.0 - 0.04 * rows * 2.0
    slope = slope_percent(heights, from_origin(0, 0, 2.0, 2.0))
    np.testing.assert_allclose(slope, 5.0, rtol=1e-5)


def test_elevation_needs_at_least_two_by_two_pixels() -> None:
    with pytest.raises(InputError, match="2×2"):
        Elevation(np.zeros((1, 5)), from_origin(0, 0, 1, 1), UTM35, source="thin.tif")


def _bad_file(tmp_path: Path, case: str) -> Path:
    """A path that is not a readable DEM, of the given kind."""
    if case == "missing":
        return tmp_path / "missing.tif"
    if case == "directory":
        return tmp_path
    if case == "text":
        path = tmp_path / "notes.tif"
        path.write_text("not a raster\n")
        return path
    path = tmp_path / "empty.tif"
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize("case, message", [
    ("missing", "DEM not found"),
    ("directory", "DEM is not a file"),
    ("text", "unreadable DEM notes.tif"),
    ("empty", "unreadable DEM empty.tif"),
])
def test_bad_files_are_input_errors(tmp_path: Path, case: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        load_dem(_bad_file(tmp_path, case), UTM35)
    assert "\n" not in str(info.value)


def test_truncated_geotiff_is_an_input_error(tmp_path: Path) -> None:
    good = write_raster(tmp_path / "good.tif", ramp_3067(3.0, size=200), "EPSG:3067",
                        from_origin(*ORIGIN, 1.0, 1.0))
    corrupt = tmp_path / "corrupt.tif"
    corrupt.write_bytes(good.read_bytes()[:4000])  # header intact, pixel data cut off
    with pytest.raises(InputError, match="unreadable DEM corrupt.tif") as info:
        load_dem(corrupt, UTM35)
    assert "\n" not in str(info.value)


def test_raster_without_crs_is_an_input_error(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "nocrs.tif", np.zeros((10, 10)), None,
                        from_origin(*ORIGIN, 1.0, 1.0))
    with pytest.raises(InputError, match="nocrs.tif has no CRS"):
        load_dem(path, UTM35)


def test_raster_of_only_nodata_is_an_input_error(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "void.tif", np.full((10, 10), -9999.0), "EPSG:3067",
                        from_origin(*ORIGIN, 1.0, 1.0), nodata=-9999.0)
    with pytest.raises(InputError, match="no valid heights"):
        load_dem(path, UTM35)


def test_input_error_is_a_value_error_for_generic_callers(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        load_dem(tmp_path / "missing.tif", UTM35)


def test_geographic_target_crs_is_a_programming_error(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "flat.tif", np.zeros((10, 10)), "EPSG:3067",
                        from_origin(*ORIGIN, 1.0, 1.0))
    with pytest.raises(ValueError, match="projected") as info:
        load_dem(path, CRS.from_epsg(4326))
    assert not isinstance(info.value, InputError)


def test_importing_the_module_does_not_import_rasterio() -> None:
    code = ("import sys, venuefinder.sources.dem; "
            "sys.exit(1 if 'rasterio' in sys.modules else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr or "rasterio imported at module import"
