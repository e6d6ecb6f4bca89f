"""What a running coach checks first, on real regions: the embedded Helsinki extract, and
Andorra and North Bayreuth from ../shared when present (skipped otherwise).

Each rule is a class of mistake, checked on every venue of the region: courts below 50
saying what stands on them, no track for another sport, rooms that say the same of the
same area, a safe running track ahead of every other place within 1.5 km, and lists whose
order agrees with their shown numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from venuefinder.config import Settings
from venuefinder.scoring.combine import TRACK_FIRST_M, displayed, running_track
from venuefinder.vocabulary import (COURT_SPORTS, EXCLUDED_SPORTS, JUMP_EVENTS, first_value,
                                    first_value_in)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "osm"
EXTRACTS = {"andorra": SHARED / "andorra-latest.osm.pbf",
            "north-bayreuth": SHARED / "north-bayreuth.osm.gz"}


@pytest.fixture(scope="module", params=["helsinki", *EXTRACTS])
def region(request, helsinki_region, tmp_path_factory):
    if request.param == "helsinki":
        return helsinki_region
    path = EXTRACTS[request.param]
    if not path.is_file():
        pytest.skip(f"../shared extract {path.name} not present")
    from venuefinder.prepare import prepare_region

    cache = tmp_path_factory.mktemp(f"coach-{request.param}")
    return prepare_region(Settings(source=str(path), cache_dir=cache, tiles="none"))


def test_courts_stay_below_50_and_say_what_stands_on_them(region):
    venues = region.venues
    courts = venues.loc[(first_value_in(venues["sport"], COURT_SPORTS) != "")
                        & (venues["kind"] == "pitch").to_numpy()]
    assert (courts["score"] < 50).all()
    said = courts["reason_obstacles"].str.contains("court")
    assert said.all(), courts.loc[~said, ["id", "reason_obstacles"]]
    assert not courts["reason_surface"].str.contains("grass or turf").any()


def test_no_venue_is_for_another_sport_or_a_jump(region):
    venues = region.venues
    first = first_value(venues["sport"])
    runs = first_value_in(venues["sport"], frozenset({"running", "athletics"})) != ""
    assert not (first.isin(EXCLUDED_SPORTS).to_numpy(dtype=bool) & ~runs).any()
    assert not first.isin(JUMP_EVENTS).to_numpy(dtype=bool).any()


def test_room_says_end_to_end_drills_only_with_room_for_a_squad(region):
    venues = region.venues
    drills = venues["reason_room"].str.contains("end-to-end drills|room for intervals")
    assert (venues.loc[drills, "usable_area_m2"] >= 1_500).all(), \
        venues.loc[drills & (venues["usable_area_m2"] < 1_500), ["id", "reason_room"]]


def test_a_safe_running_track_comes_before_every_other_place_within_1_5_km(region):
    venues = region.venues
    scores = venues[[c for c in venues.columns if c.startswith("score_")]].to_numpy(float)
    safe = (running_track(venues) & venues["vetoed_by"].isna().to_numpy()
            & (scores.min(axis=1) >= 50))
    others = np.flatnonzero(venues["kind"].to_numpy() != "track")
    metric = region.metric
    for track in np.flatnonzero(safe):
        near = others[shapely.dwithin(metric[others], metric[track], TRACK_FIRST_M)]
        assert (venues["rank"].to_numpy()[near] < venues["rank"].iloc[track]).all()


def test_a_list_s_order_agrees_with_its_shown_numbers(region):
    lat, lon = region.center
    features = region.near(lat, lon, 20_000, 200)["features"]
    shown = displayed(np.array([f["properties"]["score"] for f in features]))
    assert len(shown) and (np.diff(shown) <= 0).all()
