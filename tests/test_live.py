"""Live criteria (hazard reports) applied per request over an immutable scored region."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from venuefinder.config import Settings
from venuefinder.live import LiveOverlay, with_live_defaults
from venuefinder.region import Region
from venuefinder.criteria import REGISTRY
from venuefinder.scoring.combine import combine
from venuefinder.scoring.hazards import HIGH_SEVERITY_CAP

CRS = "EPSG:3067"
X0, Y0 = 385_000.0, 6_672_000.0
NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)


def scored_region() -> Region:
    """Two 100 m fields 300 m apart, scored 90 and 80 on the static criteria."""
    venues = gpd.GeoDataFrame({
        "id": ["way/1", "way/2"], "name": ["North", "South"], "kind": ["pitch", "pitch"],
        "surface": [None, None], "smoothness": [None, None], "lit": [None, None],
        "sport": [None, None], "access": [None, None], "incline": [None, None],
        "width": [None, None], "area_m2": [10_000.0, 10_000.0],
    }, geometry=[box(X0, Y0 + 300, X0 + 100, Y0 + 400), box(X0, Y0, X0 + 100, Y0 + 100)],
        crs=CRS)
    parts = {}
    for criterion in REGISTRY:
        if criterion.live:
            continue
        frame = pd.DataFrame({"score": [90.0, 80.0], "reason": ["ok", "ok"],
                              "evidence": ["measured", "measured"]})
        for prop in criterion.properties:
            frame[prop] = 0
        parts[criterion.name] = frame
    scored = combine(venues, parts, Settings()).to_crs("EPSG:4326")
    scored = with_live_defaults(scored, CRS, Settings())
    places = pd.DataFrame(columns=["name", "kind", "lat", "lon"])
    return Region(venues=scored, places=places, basemap=None, crs=CRS)


def report(x: float, y: float, severity: str = "high", kind: str = "pothole",
           **extra) -> dict:
    point = gpd.GeoSeries(gpd.points_from_xy([x], [y]), crs=CRS).to_crs("EPSG:4326")[0]
    return {"id": 1, "kind": kind, "severity": severity, "lat": point.y, "lon": point.x,
            "confirmations": 3, "created_at": NOW - timedelta(days=2),
            "expires_at": None, **extra}


def centre(region: Region) -> tuple[float, float]:
    point = gpd.GeoSeries(gpd.points_from_xy([X0 + 50], [Y0 + 200]), crs=CRS).to_crs(
        "EPSG:4326")[0]
    return point.y, point.x


def overlay(*reports: dict) -> LiveOverlay:
    return LiveOverlay(pd.DataFrame(list(reports)), CRS, Settings())


def test_defaults_change_no_score_and_say_nothing_is_reported():
    region = scored_region()
    props = {f["id"]: f["properties"] for f in region.near(*centre(region), 1000, 10)
             ["features"]}
    assert props["way/1"]["score"] == 90.0 and props["way/2"]["score"] == 80.0
    assert props["way/1"]["scores"]["hazards"] == 100.0
    assert props["way/1"]["reasons"]["hazards"] == "No open hazard reports"
    assert props["way/1"]["evidence"]["hazards"] == "prior"
    assert props["way/1"]["hazard_count"] == 0


def test_a_high_severity_report_lowers_the_venue_keeps_it_out_of_green_and_reorders():
    region = scored_region()
    live = overlay(report(X0 + 50, Y0 + 350))  # inside North
    features = region.near(*centre(region), 1000, 10, overlay=live, now=NOW)["features"]
    assert [f["id"] for f in features] == ["way/2", "way/1"]
    north = features[1]["properties"]
    assert north["score"] <= HIGH_SEVERITY_CAP
    assert north["scores"]["hazards"] < 40
    assert north["reasons"]["hazards"] == "pothole, high, confirmed by 2, 2 days ago"
    assert north["evidence"]["hazards"] == "tagged"
    assert north["hazard_count"] == 1
    assert features[0]["properties"]["score"] == 80.0  # untouched: the cached feature
    assert region.venue("way/1", live, NOW)["properties"]["score"] == north["score"]


def test_reports_beyond_reach_expired_or_absent_change_nothing():
    region = scored_region()
    far = report(X0 + 50, Y0 + 200)  # 100 m from both fields
    expired = report(X0 + 50, Y0 + 350, expires_at=NOW - timedelta(hours=1))
    for live in (overlay(far), overlay(expired), overlay()):
        features = region.near(*centre(region), 1000, 10, overlay=live, now=NOW)["features"]
        assert [f["properties"]["score"] for f in features] == [90.0, 80.0]


def test_min_score_filters_on_the_live_score():
    region = scored_region()
    live = overlay(report(X0 + 50, Y0 + 350))
    features = region.near(*centre(region), 1000, 10, min_score=75, overlay=live,
                           now=NOW)["features"]
    assert [f["id"] for f in features] == ["way/2"]


@pytest.mark.parametrize("severity", ["low", "medium"])
def test_milder_reports_take_less_off(severity):
    region = scored_region()
    live = overlay(report(X0 + 50, Y0 + 350, severity=severity))
    north = region.venue("way/1", live, NOW)["properties"]
    high = region.venue("way/1", overlay(report(X0 + 50, Y0 + 350)), NOW)["properties"]
    assert high["score"] < north["score"] < 90.0
