"""score_flatness: DEM evidence, the OSM incline tag and the priors by kind.

DEMs are written by hand with rasterio in EPSG:3067 (the Finnish grid) or EPSG:4326 and loaded
into UTM 35N, the CRS venuefinder picks for Helsinki, exactly as the pipeline does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import rasterio.features
import shapely
from affine import Affine
from pyproj import CRS, Transformer

from venuefinder.config import Settings
from venuefinder.scoring import ScoringContext
from venuefinder.scoring.flatness import (
    SLOPE_TABLE, SLOPED_CAP, parse_incline, score_flatness, slope_to_score)
from venuefinder.sources.dem import Elevation, load_dem
from venuefinder.venues import VENUE_COLUMNS
from venuefinder.vocabulary.priors import KIND_PRIORS

UTM35 = CRS.from_epsg(32635)
TM35FIN = CRS.from_epsg(3067)
ORIGIN = (385_000.0, 6_672_100.0)  # top-left of the synthetic DEMs, EPSG:3067
SIZE = 100  # synthetic DEMs are 100 × 100 one-metre pixels: 385000–385100 E, 6672000–6672100 N


def from_origin(west: float, north: float, xsize: float, ysize: float) -> Affine:
    """North-up transform (rasterio's own ``from_origin`` warns under affine 3)."""
    return Affine(xsize, 0.0, west, 0.0, -ysize, north)


REAL_DEM = Path(__file__).resolve().parents[1] / "data" / "helsinki_lapinlahti_2021.tif"


# --- fixtures -------------------------------------------------------------------------------

def write_raster(path: Path, heights: np.ndarray, crs: str, transform: Affine,
                 nodata: Optional[float] = None) -> Path:
    """Write a single-band float32 GeoTIFF."""
    with rasterio.open(path, "w", driver="GTiff", width=heights.shape[1],
                       height=heights.shape[0], count=1, dtype="float32", crs=crs,
                       transform=transform, nodata=nodata) as dst:
        dst.write(heights.astype("float32"), 1)
    return path


def ramp(slope_pct: float) -> np.ndarray:
    """Heights rising northwards by ``slope_pct`` percent on the 1 m EPSG:3067 grid."""
    rows = np.arange(SIZE, dtype=float)[:, None]
    return np.repeat((SIZE - rows) * slope_pct / 100.0, SIZE, axis=1)


def dem_file(tmp_path: Path, heights: np.ndarray, name: str,
             nodata: Optional[float] = None) -> Elevation:
    path = write_raster(tmp_path / name, heights, "EPSG:3067", from_origin(*ORIGIN, 1.0, 1.0),
                        nodata=nodata)
    return load_dem(path, UTM35)


def venues(*rows: dict, crs: CRS = TM35FIN) -> gpd.GeoDataFrame:
    """A venue frame in the documented schema, projected to the region CRS (UTM 35N)."""
    defaults = {column: None for column in VENUE_COLUMNS}
    records = []
    for number, row in enumerate(rows):
        record = {**defaults, "id": f"way/{number + 1}", "kind": "park", **row}
        record["area_m2"] = float(record["geometry"].area)
        records.append(record)
    frame = gpd.GeoDataFrame(records, columns=list(VENUE_COLUMNS), geometry="geometry",
                             crs=crs)
    return frame.to_crs(UTM35)


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle given in metres from the synthetic DEM's bottom-left (385000, 6672000)."""
    return shapely.box(385_000 + x0, 6_672_000 + y0, 385_000 + x1, 6_672_000 + y1)


def context(dem: Optional[Elevation]) -> ScoringContext:
    roads = gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=UTM35)
    return ScoringContext(crs=UTM35, roads=roads, settings=Settings(), dem=dem)


def p90_of(reason: str) -> float:
    """The p90 slope a DEM reason cites."""
    match = re.search(r"90% of the ground is under ([\d.]+)% slope", reason)
    assert match, reason
    return float(match.group(1))


# --- the score table ------------------------------------------------------------------------

def test_score_table_is_monotonic_and_spans_0_to_100() -> None:
    slopes = [x for x, _ in SLOPE_TABLE]
    scores = [y for _, y in SLOPE_TABLE]
    assert slopes == sorted(slopes) and scores == sorted(scores, reverse=True)
    assert slope_to_score(0.0) == 100.0 and slope_to_score(50.0) == 0.0
    assert slope_to_score(3.0) == pytest.approx(80.0)
    assert slope_to_score(-8.0) == pytest.approx(20.0)


# --- with a DEM -----------------------------------------------------------------------------

def test_flat_plane_scores_100(tmp_path: Path) -> None:
    dem = dem_file(tmp_path, np.full((SIZE, SIZE), 7.0), "flat.tif")
    result = score_flatness(venues({"geometry": box(20, 20, 80, 80), "kind": "meadow"}),
                            context(dem))
    assert result.loc[0, "score"] == 100.0
    reason = result.loc[0, "reason"]
    assert reason.startswith("DEM flat.tif: 90% of the ground is under 0.0% slope")
    samples = int(re.search(r"(\d+) samples", reason).group(1))
    assert 3400 <= samples <= 3700  # ~60 × 60 one-metre pixels
    assert "covers" not in reason


def test_12_percent_ramp_scores_0_and_says_12_percent(tmp_path: Path) -> None:
    dem = dem_file(tmp_path, ramp(12.0), "ramp12.tif")
    result = score_flatness(venues({"geometry": box(20, 20, 80, 80), "kind": "pitch"}),
                            context(dem))
    assert result.loc[0, "score"] == pytest.approx(0.0, abs=1.0)
    assert p90_of(result.loc[0, "reason"]) == pytest.approx(12.0, abs=0.15)
    assert "steepest 12." in result.loc[0, "reason"]


def test_3_percent_ramp_interpolates_between_breakpoints(tmp_path: Path) -> None:
    dem = dem_file(tmp_path, ramp(3.0), "ramp3.tif")
    result = score_flatness(venues({"geometry": box(20, 20, 80, 80)}), context(dem))
    # 3 % lies halfway between 2 % → 90 and 4 % → 70.
    assert result.loc[0, "score"] == pytest.approx(80.0, abs=0.5)
    assert p90_of(result.loc[0, "reason"]) == pytest.approx(3.0, abs=0.05)


def test_ramp_in_wgs84_scores_like_the_metric_one(tmp_path: Path) -> None:
    to_ll = Transformer.from_crs(TM35FIN, "EPSG:4326", always_xy=True)
    to_m = Transformer.from_crs("EPSG:4326", TM35FIN, always_xy=True)
    lon0, lat0 = to_ll.transform(ORIGIN[0] - 20, ORIGIN[1] + 20)
    transform = from_origin(lon0, lat0, 2.0e-5, 1.0e-5)  # ~1.1 m pixels at 60° N
    cols, rows = np.meshgrid(np.arange(160) + 0.5, np.arange(140) + 0.5)
    lon, lat = transform @ (cols, rows)
    _, northing = to_m.transform(lon, lat)
    heights = (northing - ORIGIN[1] + 200) * 0.03  # 3 % northwards, by metric northing
    path = write_raster(tmp_path / "ramp3_wgs84.tif", heights, "EPSG:4326", transform)
    dem = load_dem(path, UTM35)

    metric = score_flatness(venues({"geometry": box(20, 20, 80, 80)}),
                            context(dem_file(tmp_path, ramp(3.0), "ramp3.tif")))
    result = score_flatness(venues({"geometry": box(20, 20, 80, 80)}), context(dem))
    assert p90_of(result.loc[0, "reason"]) == pytest.approx(3.0, abs=0.1)
    assert result.loc[0, "score"] == pytest.approx(metric.loc[0, "score"], abs=2.0)
    assert "DEM ramp3_wgs84.tif" in result.loc[0, "reason"]


def test_venue_half_outside_is_judged_without_the_dem_and_says_how_much_it_covers(
        tmp_path: Path) -> None:
    dem = dem_file(tmp_path, ramp(3.0), "ramp3.tif")
    result = score_flatness(venues({"geometry": box(60, 20, 140, 80)}), context(dem))
    # Half a park measured at 3 % cannot vouch for the other half: the park's prior (55),
    # which the gentler covered half does not raise.
    assert result.loc[0, "score"] == KIND_PRIORS["park"].flatness.score == 55.0
    assert result.loc[0, "evidence"] == "prior"
    reason = result.loc[0, "reason"]
    coverage = int(re.search(r"^DEM ramp3.tif covers (\d+)% of it", reason).group(1))
    assert 45 <= coverage <= 55
    assert p90_of(reason) == pytest.approx(3.0, abs=0.05)
    assert reason.endswith("a park is not known to be flat (prior 55)")


@pytest.mark.parametrize("west, measured", [(5, True), (18, False)])
def test_measured_only_when_the_dem_covers_nine_tenths(tmp_path: Path, west: float,
                                                       measured: bool) -> None:
    # A 100 m wide pitch sticking 5 m (95 % covered) or 18 m (82 %) out of the DEM's east.
    dem = dem_file(tmp_path, ramp(3.0), "ramp3.tif")
    result = score_flatness(venues({"geometry": box(west, 20, west + 100, 80),
                                    "kind": "pitch"}), context(dem))
    assert (result.loc[0, "evidence"] == "measured") is measured
    assert ("covers" in result.loc[0, "reason"]) is not measured
    # Either way the 3 % the DEM saw scores it: a measurement, or a bound on the pitch's 90.
    assert result.loc[0, "score"] == pytest.approx(80.0, abs=0.5)


def test_venue_fully_outside_gets_the_prior_without_raster_work(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dem = dem_file(tmp_path, ramp(12.0), "ramp12.tif")
    calls: list[int] = []
    real_mask = rasterio.features.geometry_mask

    def counting_mask(*args, **kwargs):
        calls.append(1)
        return real_mask(*args, **kwargs)

    monkeypatch.setattr(rasterio.features, "geometry_mask", counting_mask)
    frame = venues({"geometry": box(500, 500, 560, 560), "kind": "track"},
                   {"geometry": box(-300, 0, -240, 60), "kind": "meadow"},
                   {"geometry": box(20, 20, 80, 80), "kind": "park"})
    result = score_flatness(frame, context(dem))
    assert len(calls) == 1  # only the venue on the DEM was rasterised
    assert result.loc[0, "score"] == KIND_PRIORS["track"].flatness.score == 95.0
    assert result.loc[0, "reason"] == ("DEM ramp12.tif does not cover this place; athletics "
                                       "tracks are built level (prior 95)")
    assert result.loc[1, "score"] == 50.0
    assert result.loc[2, "score"] == pytest.approx(0.0, abs=1.0)


def test_venue_in_a_nodata_hole_gets_the_prior(tmp_path: Path) -> None:
    heights = ramp(12.0)
    heights[10:60, 10:60] = -9999.0  # rows 10–60 from the top: 40–90 m north of the bottom
    dem = dem_file(tmp_path, heights, "holes.tif", nodata=-9999.0)
    frame = venues({"geometry": box(20, 50, 50, 80), "kind": "pitch"},   # inside the hole
                   {"geometry": box(40, 10, 80, 70), "kind": "pitch"})   # partly on it
    result = score_flatness(frame, context(dem))
    assert result.loc[0, "score"] == 90.0
    assert result.loc[0, "reason"].startswith("DEM holes.tif has no data under it; pitches")
    # The valid three quarters are still read, and the hole does not read as a cliff; a
    # steep covered part lowers the guess, without making it a measurement.
    assert p90_of(result.loc[1, "reason"]) == pytest.approx(12.0, abs=0.2)
    covered = re.search(r"^DEM holes.tif covers (\d+)% of it", result.loc[1, "reason"])
    assert 70 <= int(covered.group(1)) <= 78  # 75 % drawn, rasterised after reprojection
    assert result.loc[1, "score"] == pytest.approx(0.0, abs=1.0)
    assert result.loc[1, "reason"].endswith("; the covered part is steeper: scored on it (0)")
    assert list(result["evidence"]) == ["prior", "prior"]


def test_venue_smaller_than_a_few_pixels_gets_the_prior(tmp_path: Path) -> None:
    heights = ramp(12.0)
    coarse = write_raster(tmp_path / "coarse.tif", heights[::10, ::10], "EPSG:3067",
                          from_origin(*ORIGIN, 10.0, 10.0))  # 10 m pixels
    dem = load_dem(coarse, UTM35)
    # 8 m × 18 m: two 10 m pixel centres (45, 45) and (45, 55) fall inside it.
    result = score_flatness(venues({"geometry": box(41, 41, 49, 59), "kind": "pitch"}),
                            context(dem))
    assert result.loc[0, "score"] == 90.0
    assert result.loc[0, "reason"].startswith("DEM coarse.tif is too coarse for it; ")


def test_line_track_is_buffered_and_measured(tmp_path: Path) -> None:
    dem = dem_file(tmp_path, ramp(3.0), "ramp3.tif")
    line = shapely.LineString([(385_010, 6_672_010), (385_090, 6_672_090)])
    result = score_flatness(venues({"geometry": line, "kind": "track"}), context(dem))
    # Along the diagonal the whole plane still falls 3 % northwards.
    assert p90_of(result.loc[0, "reason"]) == pytest.approx(3.0, abs=0.05)
    samples = int(re.search(r"(\d+) samples", result.loc[0, "reason"]).group(1))
    assert 400 <= samples <= 700  # ~113 m × 5 m
    assert "covers" not in result.loc[0, "reason"]


def test_dem_measurement_wins_over_the_incline_tag(tmp_path: Path) -> None:
    dem = dem_file(tmp_path, np.zeros((SIZE, SIZE)), "flat.tif")
    result = score_flatness(
        venues({"geometry": box(20, 20, 80, 80), "kind": "track", "incline": "up"},
               {"geometry": box(20, 20, 80, 80), "kind": "track", "incline": "10%"}),
        context(dem))
    assert (result["score"] == 100.0).all()
    assert "OSM incline=up noted" in result.loc[0, "reason"]


def test_venues_in_another_crs_than_the_dem_are_reprojected(tmp_path: Path) -> None:
    dem = dem_file(tmp_path, ramp(3.0), "ramp3.tif")
    frame = venues({"geometry": box(20, 20, 80, 80)}).to_crs(TM35FIN)
    result = score_flatness(frame, context(dem))
    assert result.loc[0, "score"] == pytest.approx(80.0, abs=0.5)


def test_real_dem_at_lapinlahti(tmp_path: Path) -> None:
    dem = load_dem(REAL_DEM, UTM35)
    # A lawn-sized polygon drawn by hand on the Lapinlahti hospital grounds.
    lawn = shapely.Polygon([(24.9115, 60.1672), (24.9128, 60.1672), (24.9128, 60.1680),
                            (24.9115, 60.1680)])
    frame = venues({"geometry": lawn, "kind": "park", "name": "Lapinlahden puisto"},
                   crs=CRS.from_epsg(4326))
    result = score_flatness(frame, context(dem))
    score, reason = result.loc[0, "score"], result.loc[0, "reason"]
    assert 0.0 <= score <= 100.0
    assert reason.startswith("DEM helsinki_lapinlahti_2021.tif: 90% of the ground is under ")
    p90 = p90_of(reason)
    assert 0.0 < p90 < 100.0
    assert score == pytest.approx(float(slope_to_score(p90)), abs=0.6)
    samples = int(re.search(r"(\d+) samples", reason).group(1))
    assert samples > 1000  # ~72 m × 89 m on ~1.2 m pixels


def test_real_dem_covering_part_of_a_lawn_says_how_much(tmp_path: Path) -> None:
    dem = load_dem(REAL_DEM, UTM35)
    # A lawn-sized polygon across the DEM's east edge (24.91452° E): about a fifth inside.
    lawn = shapely.Polygon([(24.9140, 60.1672), (24.9165, 60.1672), (24.9165, 60.1680),
                            (24.9140, 60.1680)])
    frame = venues({"geometry": lawn, "kind": "grass"}, crs=CRS.from_epsg(4326))
    result = score_flatness(frame, context(dem))
    reason = result.loc[0, "reason"]
    covered = int(re.search(r"^DEM helsinki_lapinlahti_2021.tif covers (\d+)% of it", reason)
                  .group(1))
    assert 15 <= covered <= 25
    assert result.loc[0, "evidence"] == "prior"
    assert result.loc[0, "score"] <= KIND_PRIORS["grass"].flatness.score
    assert "a grass area is not known to be flat (prior 60)" in reason


# --- without a DEM --------------------------------------------------------------------------

@pytest.mark.parametrize("kind, expected", [
    ("track", 95.0), ("pitch", 90.0), ("stadium", 90.0), ("recreation_ground", 70.0),
    ("village_green", 60.0), ("common", 60.0), ("grass", 60.0), ("park", 55.0),
    ("meadow", 50.0),
])
def test_prior_by_kind_without_a_dem(kind: str, expected: float) -> None:
    result = score_flatness(venues({"geometry": box(0, 0, 50, 50), "kind": kind}),
                            context(None))
    assert result.loc[0, "score"] == expected
    assert result.loc[0, "reason"].startswith("No elevation data; ")
    assert f"(prior {expected:.0f})" in result.loc[0, "reason"]


def test_prior_reasons_say_plainly_what_is_known() -> None:
    result = score_flatness(
        venues({"geometry": box(0, 0, 50, 50), "kind": "track"},
               {"geometry": box(0, 0, 50, 50), "kind": "meadow"}), context(None))
    assert "athletics tracks are built level" in result.loc[0, "reason"]
    assert "not known to be flat" in result.loc[1, "reason"]


@pytest.mark.parametrize("incline, expected", [
    ("8%", 20.0), ("-8%", 20.0), ("3 %", 80.0), ("0%", 100.0), ("12", 0.0),
])
def test_numeric_incline_counts_as_a_measurement(incline: str, expected: float) -> None:
    result = score_flatness(
        venues({"geometry": box(0, 0, 50, 50), "kind": "track", "incline": incline}),
        context(None))
    assert result.loc[0, "score"] == pytest.approx(expected)
    assert f"OSM incline={incline}" in result.loc[0, "reason"]
    assert result.loc[0, "reason"].startswith("No elevation data; ")


@pytest.mark.parametrize("incline, kind, expected", [
    ("up", "track", 40.0), ("down", "pitch", 40.0), ("up", "meadow", 40.0),
    ("yes", "park", 40.0),
])
def test_up_or_down_caps_the_prior(incline: str, kind: str, expected: float) -> None:
    result = score_flatness(
        venues({"geometry": box(0, 0, 50, 50), "kind": kind, "incline": incline}),
        context(None))
    prior = KIND_PRIORS[kind].flatness.score
    assert result.loc[0, "score"] == min(prior, SLOPED_CAP) == expected
    assert f"OSM incline={incline} says it is sloped" in result.loc[0, "reason"]


def test_incline_outside_the_dem_is_used(tmp_path: Path) -> None:
    dem = dem_file(tmp_path, np.zeros((SIZE, SIZE)), "flat.tif")
    result = score_flatness(
        venues({"geometry": box(500, 500, 560, 560), "kind": "track", "incline": "8%"}),
        context(dem))
    assert result.loc[0, "score"] == pytest.approx(20.0)
    assert result.loc[0, "reason"] == ("DEM flat.tif does not cover this place; OSM "
                                       "incline=8%: mapped slope of 8.0%")


@pytest.mark.parametrize("value, expected", [
    ("5%", (5.0, True)), ("-8 %", (8.0, True)), ("2,5%", (2.5, True)), ("0%", (0.0, False)),
    ("up", (None, True)), ("DOWN", (None, True)), (None, (None, False)),
    (float("nan"), (None, False)), ("steep-ish", (None, False)), ("", (None, False)),
])
def test_parse_incline(value: object, expected: tuple) -> None:
    assert parse_incline(value) == expected


def test_parse_incline_in_degrees() -> None:
    slope, sloped = parse_incline("5°")
    assert slope == pytest.approx(8.75, abs=0.01) and sloped


# --- shape of the output --------------------------------------------------------------------

def test_output_keeps_the_index_and_columns(tmp_path: Path) -> None:
    dem = dem_file(tmp_path, ramp(3.0), "ramp3.tif")
    frame = venues({"geometry": box(20, 20, 80, 80)}, {"geometry": box(500, 0, 560, 60)})
    frame.index = [17, 4]
    result = score_flatness(frame, context(dem))
    assert list(result.index) == [17, 4]
    assert list(result.columns) == ["score", "reason", "evidence"]
    assert result["score"].dtype == float
    assert result["score"].between(0, 100).all()
    assert all(isinstance(reason, str) and reason for reason in result["reason"])


@pytest.mark.parametrize("with_dem", [False, True])
def test_no_venues_gives_an_empty_frame(tmp_path: Path, with_dem: bool) -> None:
    dem = dem_file(tmp_path, ramp(3.0), "ramp3.tif") if with_dem else None
    empty = venues({"geometry": box(0, 0, 1, 1)}).iloc[:0]
    result = score_flatness(empty, context(dem))
    assert result.empty and list(result.columns) == ["score", "reason", "evidence"]


def test_real_dem_fixture_is_in_the_repository() -> None:
    # The integration tests must run on a fresh clone without ../shared.
    assert REAL_DEM.is_file()
    readme = (REAL_DEM.parent / "README.md").read_text()
    assert REAL_DEM.name in readme and "CC BY 4.0" in readme and "City of Helsinki" in readme


def test_evidence_says_what_the_score_rests_on(tmp_path: Path) -> None:
    dem = dem_file(tmp_path, ramp(3.0), "ramp3.tif")
    frame = venues({"geometry": box(20, 20, 80, 80), "kind": "park"},
                   {"geometry": box(500, 500, 560, 560), "kind": "park", "incline": "4%"},
                   {"geometry": box(500, 500, 560, 560), "kind": "park"})
    result = score_flatness(frame, context(dem))
    assert list(result["evidence"]) == ["measured", "tagged", "prior"]


# --- the extract's own heights, without a DEM -------------------------------------------------

def heights(*rows: tuple[float, float, float]) -> gpd.GeoDataFrame:
    """Heights of the ground ``(x, y, ele)``, x and y in metres as for :func:`box`."""
    frame = gpd.GeoDataFrame({"ele": [ele for _, _, ele in rows]},
                             geometry=[shapely.Point(385_000 + x, 6_672_000 + y)
                                       for x, y, _ in rows], crs=TM35FIN)
    return frame.to_crs(UTM35)


def hilly_context(dem: Optional[Elevation], *rows: tuple[float, float, float]
                  ) -> ScoringContext:
    ctx = context(dem)
    ctx.heights = heights(*rows)
    return ctx


#: A valley 1,020 m high 500 m north of the venues, a summit 1,480 m high 1.5 km north.
HILLS = ((25, 500, 1020.0), (25, 1500, 1480.0))
AROUND = "heights 1,020–1,480 m within 2 km"


def test_grass_in_hilly_surroundings_is_likely_sloped_and_a_pitch_stays_built_level() -> None:
    frame = venues(*({"geometry": box(0, 0, 50, 50), "kind": kind}
                     for kind in ("grass", "meadow", "park", "recreation_ground", "pitch",
                                  "track")))
    result = score_flatness(frame, hilly_context(None, *HILLS))
    assert result.loc[0, "reason"] == (f"No elevation data; the area is hilly ({AROUND}), so "
                                       "this grass is likely sloped (prior 40)")
    assert list(result["score"]) == [SLOPED_CAP] * 4 + [90.0, 95.0]
    assert "this recreation ground is likely sloped" in result.loc[3, "reason"]
    assert result.loc[4, "reason"] == ("No elevation data; pitches are built level (prior 90), "
                                       f"in hilly surroundings ({AROUND})")
    assert set(result["evidence"]) == {"prior"}


@pytest.mark.parametrize("rows", [
    ((25, 500, 1020.0), (25, 700, 1050.0)),        # 30 m apart in height: no hill
    ((-1900, 25, 400.0), (1950, 25, 460.0)),       # 60 m over 3.85 km: 1.6 %, a gentle valley
    ((25, 500, 1480.0),),                          # one height says nothing about slope
    ((25, 2500, 1020.0), (25, 3500, 1480.0)),      # beyond 2 km
])
def test_no_sign_of_hills_keeps_the_prior(rows: tuple) -> None:
    result = score_flatness(venues({"geometry": box(0, 0, 50, 50), "kind": "grass"}),
                            hilly_context(None, *rows))
    assert result.loc[0, "score"] == 60.0
    assert result.loc[0, "reason"] == ("No elevation data; a grass area is not known to be "
                                       "flat (prior 60)")


def test_a_dem_beats_the_heights_and_one_that_misses_the_place_says_so(tmp_path: Path) -> None:
    dem = dem_file(tmp_path, np.full((SIZE, SIZE), 7.0), "flat.tif")
    frame = venues({"geometry": box(20, 20, 80, 80), "kind": "grass"},
                   {"geometry": box(500, 500, 560, 560), "kind": "grass"})
    result = score_flatness(frame, hilly_context(dem, *HILLS))
    assert result.loc[0, "score"] == 100.0 and result.loc[0, "evidence"] == "measured"
    assert result.loc[1, "score"] == SLOPED_CAP
    assert result.loc[1, "reason"].startswith(
        f"DEM flat.tif does not cover this place; the area is hilly ({AROUND})")


def test_a_number_mapped_beats_the_heights() -> None:
    result = score_flatness(
        venues({"geometry": box(0, 0, 50, 50), "kind": "grass", "incline": "1%"}),
        hilly_context(None, *HILLS))
    assert result.loc[0, "score"] == 100.0 and result.loc[0, "evidence"] == "tagged"
