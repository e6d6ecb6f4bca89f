"""Live criteria (hazard reports) applied per request over an immutable scored region."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from venuefinder.config import Settings
from venuefinder.live import LiveOverlay, LiveReports, LiveView, with_live_defaults
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
        "label": ["North", "South"],
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
            "expires_at": None, "reporter": 1, **extra}


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
    features = LiveView(region, live).near(*centre(region), 1000, 10, now=NOW)["features"]
    assert [f["id"] for f in features] == ["way/2", "way/1"]
    north = features[1]["properties"]
    assert north["score"] <= HIGH_SEVERITY_CAP
    assert north["scores"]["hazards"] < 40
    assert north["reasons"]["hazards"] == "pothole, high, confirmed by 2, 2 days ago"
    assert north["evidence"]["hazards"] == "tagged"
    assert north["hazard_count"] == 1
    assert features[0]["properties"]["score"] == 80.0  # untouched: the cached feature
    assert LiveView(region, live).venue("way/1", NOW)["properties"]["score"] == north["score"]


def test_reports_beyond_reach_expired_or_absent_change_nothing():
    region = scored_region()
    far = report(X0 + 50, Y0 + 200)  # 100 m from both fields
    expired = report(X0 + 50, Y0 + 350, expires_at=NOW - timedelta(hours=1))
    for live in (overlay(far), overlay(expired), overlay()):
        features = LiveView(region, live).near(*centre(region), 1000, 10, now=NOW)["features"]
        assert [f["properties"]["score"] for f in features] == [90.0, 80.0]


def test_min_score_filters_on_the_live_score():
    region = scored_region()
    live = overlay(report(X0 + 50, Y0 + 350))
    features = LiveView(region, live).near(*centre(region), 1000, 10, min_score=75,
                                           now=NOW)["features"]
    assert [f["id"] for f in features] == ["way/2"]


def test_a_hill_report_lowers_the_venue_flatness_and_says_why():
    region = scored_region()
    live = overlay(report(X0 + 50, Y0 + 350, severity="medium", kind="hill"))
    north = LiveView(region, live).venue("way/1", NOW)["properties"]
    pothole = LiveView(region, overlay(report(X0 + 50, Y0 + 350, severity="medium")))
    assert north["scores"]["flatness"] == 45.0 and north["evidence"]["flatness"] == "tagged"
    assert north["reasons"]["flatness"].startswith(
        "Reported here: steep hill, medium, confirmed by 2, 2 days ago; scored as a 6% slope")
    assert north["reasons"]["hazards"].endswith("(its slope counted in flatness)")
    # Below what the same hazard line alone takes off: the slope counts too.
    assert north["score"] < pothole.venue("way/1", NOW)["properties"]["score"]
    south = LiveView(region, live).venue("way/2", NOW)["properties"]
    assert south["scores"]["flatness"] == 80.0 and south["reasons"]["flatness"] == "ok"


@pytest.mark.parametrize("severity", ["low", "medium"])
def test_milder_reports_take_less_off(severity):
    region = scored_region()
    live = overlay(report(X0 + 50, Y0 + 350, severity=severity))
    north = LiveView(region, live).venue("way/1", NOW)["properties"]
    high_report = overlay(report(X0 + 50, Y0 + 350))
    high = LiveView(region, high_report).venue("way/1", NOW)["properties"]
    assert high["score"] < north["score"] < 90.0


# -- the view's windows (were the web worker's memo) -----------------------------------------

COLUMNS = ["id", "score", "rank", "score_hazards", "reason_hazards", "hazard_count"]


def test_the_view_answers_as_rescoring_does_and_reuses_rows_within_its_window():
    region = scored_region()
    live = overlay(report(X0 + 50, Y0 + 350), report(X0 + 50, Y0 + 50, severity="low"))
    expected = live.rescore(region.venues.iloc[[0, 1]], NOW)
    view = LiveView(region, live)
    calls = []
    original = live.rescore
    live.rescore = lambda venues, now=None: calls.append(len(venues)) or original(venues, now)
    got = [view.venue(vid, NOW)["properties"] for vid in ("way/1", "way/2")]
    assert [p["score"] for p in got] == expected["score"].tolist()
    assert [p["hazard_count"] for p in got] == expected["hazard_count"].tolist()
    assert [p["reasons"]["hazards"] for p in got] == expected["reason_hazards"].tolist()
    assert got[0]["score"] < 90.0  # the high report counts
    # Later in the window, in another order and through a query: no re-scoring.
    view.venue("way/2", NOW + timedelta(seconds=30))
    near = view.near(*centre(region), 1000, 10, now=NOW + timedelta(seconds=31))
    assert [f["properties"]["score"] for f in near["features"]] == sorted(
        expected["score"].tolist(), reverse=True)
    assert calls == [2]
    view.venue("way/1", NOW + timedelta(minutes=2))  # past the TTL
    assert calls == [2, 2]


def test_an_expiring_report_ends_the_window_at_once():
    region = scored_region()
    live = overlay(report(X0 + 50, Y0 + 350, expires_at=NOW + timedelta(hours=1)))
    view = LiveView(region, live, ttl_s=10**7)
    assert view.venue("way/1", NOW)["properties"]["hazard_count"] == 1
    assert view.venue("way/1", NOW + timedelta(minutes=59))["properties"]["hazard_count"] == 1
    later = view.venue("way/1", NOW + timedelta(hours=1, seconds=1))["properties"]
    assert later["hazard_count"] == 0 and later["score"] == 90.0


def test_reports_are_read_again_only_when_the_store_version_moves():
    region = scored_region()
    version, reads = [1], []

    def read(west, south, east, north):
        reads.append((west, south, east, north))
        return pd.DataFrame([report(X0 + 50, Y0 + 350)])

    reports = LiveReports(region, Settings(), lambda: version[0], read)
    first = reports.view()
    assert reports.view() is first and len(reads) == 1
    west, south, east, north = reads[0]
    assert west < region.bounds[0] and north > region.bounds[3]  # the region, with a margin
    version[0] = 2
    assert reports.view() is not first and len(reads) == 2
    assert reports.view().venue("way/1", NOW)["properties"]["hazard_count"] == 1


def test_one_clients_flood_counts_once_and_two_clients_can_veto():
    region = scored_region()
    fresh = {"confirmations": 1, "created_at": NOW}
    one = LiveView(region, overlay(report(X0 + 50, Y0 + 350, **fresh))).venue(
        "way/1", NOW)["properties"]
    flood = [report(X0 + 5 + 3 * i, Y0 + 350, id=i, **fresh) for i in range(29)]
    many = LiveView(region, overlay(*flood)).venue("way/1", NOW)["properties"]
    assert many["score"] == one["score"] and many["hazard_count"] == 1
    assert many["vetoed_by"] is None and "28 more by the same person" in \
        many["reasons"]["hazards"]
    assert 40.0 < one["score"] < 90.0  # lowered at once, by one person's word
    # A second client's report: now two people stand behind them, and the place is red.
    second = report(X0 + 50, Y0 + 380, id=99, reporter=2, **fresh)
    two = LiveView(region, overlay(*flood, second)).venue("way/1", NOW)["properties"]
    assert two["vetoed_by"] == "hazards" and two["score"] < 20.0
