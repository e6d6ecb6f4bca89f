"""Venue labels: a human name for every venue, from its name, its kind and sport, the area it
lies in, the street or settlement by it, and when still shared, where it lies and its size."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from venuefinder.errors import SourceError
from venuefinder.labels import STREET_REACH_M, venue_labels
from venuefinder.prepare import load_ingested
from venuefinder.vocabulary import KINDS, MOTOR_ROAD_CLASSES, RUNNABLE_PATH_CLASSES
from venuefinder.vocabulary.labels import (CONTEXT_AREAS, ENTRANCE_WORDS, GATE_WORDS,
                                           HIGHWAY_WORDS, KIND_WORDS, SPORT_WORDS, venue_word,
                                           with_article)

CRS = "EPSG:32635"  # metres, around Helsinki
X0, Y0 = 385_000.0, 6_672_000.0


def venue(vid: str, x: float, y: float, size: float = 40.0, kind: str = "grass",
          name: Optional[str] = None, sport: Optional[str] = None) -> dict[str, Any]:
    """A square venue of side *size* metres centred on (X0 + x, Y0 + y)."""
    half = size / 2
    return dict(id=vid, name=name, kind=kind, sport=sport, area_m2=size * size,
                geometry=box(X0 + x - half, Y0 + y - half, X0 + x + half, Y0 + y + half))


def labels(venues: list[dict[str, Any]], features: list[dict[str, Any]] = ()) -> list[str]:
    """Labels of *venues* among *features* (both given in metres; the venues are features
    too, as in a real region)."""
    frame = gpd.GeoDataFrame(pd.DataFrame(venues), geometry="geometry", crs=CRS)
    rows = [*({"id": v["id"], "name": v["name"], "geometry": v["geometry"]} for v in venues),
            *features]
    around = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=CRS)
    return list(venue_labels(frame.to_crs("EPSG:4326"), around.to_crs("EPSG:4326"), CRS))


def street(name: str, y: float, highway: str = "residential") -> dict[str, Any]:
    """An east-west street at Y0 + y."""
    return dict(id=f"way/s{y}", name=name, highway=highway,
                geometry=LineString([(X0 - 500, Y0 + y), (X0 + 500, Y0 + y)]))


def test_a_named_venue_is_its_name_and_what_it_is() -> None:
    assert labels([venue("way/1", 0, 0, kind="pitch", name="Töölön kenttä", sport="soccer"),
                   venue("way/2", 500, 0, kind="track", name="Eläintarhan urheilukenttä",
                         sport="athletics"),
                   venue("way/3", -500, 0, kind="park", name="Central Park")]) == [
        "Töölön kenttä — football pitch", "Eläintarhan urheilukenttä — athletics track",
        "Central Park"]  # the name already says it is a park


def test_an_unnamed_venue_is_said_by_the_named_area_it_lies_in() -> None:
    park = dict(id="way/9", name="Kaisaniemen puisto", leisure="park",
                geometry=box(X0 - 200, Y0 - 200, X0 + 200, Y0 + 200))
    stadium = dict(id="way/8", name="Estadi Comunal", leisure="stadium",
                   geometry=box(X0 + 900, Y0 - 100, X0 + 1100, Y0 + 100))
    assert labels([venue("way/1", 0, 0),
                   venue("way/2", 1000, 0, kind="pitch", sport="soccer")],
                  [park, stadium, street("Unioninkatu", 30)]) == [
        "Lawn in Kaisaniemen puisto", "Football pitch at Estadi Comunal"]


def test_the_smallest_named_area_wins_and_a_venue_is_not_in_itself() -> None:
    big = dict(id="way/9", name="Keskuspuisto", leisure="park",
               geometry=box(X0 - 900, Y0 - 900, X0 + 900, Y0 + 900))
    school = dict(id="way/8", name="Kallion koulu", amenity="school",
                  geometry=box(X0 - 100, Y0 - 100, X0 + 100, Y0 + 100))
    park = venue("way/7", 500, 500, size=200, kind="park", name="Pikkupuisto")
    assert labels([venue("way/1", 0, 0, kind="pitch"), park], [big, school,
                  dict(id="way/7", name="Pikkupuisto", leisure="park",
                       geometry=park["geometry"])]) == [
        "Playing field at Kallion koulu", "Pikkupuisto — park"]


def test_unnamed_venue_by_the_nearest_named_street_within_reach() -> None:
    assert labels([venue("way/1", 0, 0), venue("way/2", 3000, 0, kind="meadow")],
                  [street("Liisankatu", 60), street("Far Road", -100 - STREET_REACH_M - 20),
                   street("Unioninkatu", 100)]) == ["Lawn by Liisankatu", "Meadow"]


def test_an_unnamed_stadium_is_said_an_unnamed_park_is_not() -> None:
    stadium = dict(id="way/8", name=None, leisure="stadium",
                   geometry=box(X0 - 100, Y0 - 100, X0 + 100, Y0 + 100))
    park = dict(id="way/9", name=None, leisure="park",
                geometry=box(X0 + 900, Y0 - 100, X0 + 1100, Y0 + 100))
    assert labels([venue("way/1", 0, 0, kind="pitch", sport="soccer"),
                   venue("way/2", 1000, 0)], [stadium, park]) == [
        "Football pitch at a stadium", "Lawn"]


def test_with_no_street_the_nearest_settlement_says_where() -> None:
    village = dict(id="node/1", name="Sispony", place="village", geometry=Point(X0, Y0 + 900))
    block = dict(id="node/2", name="Block 12", place="city_block", geometry=Point(X0, Y0 + 10))
    assert labels([venue("way/1", 0, 0, kind="meadow")], [village, block]) == [
        "Meadow near Sispony"]


def test_namesakes_are_told_apart_by_where_they_lie_among_them() -> None:
    park = dict(id="way/9", name="Kaisaniemen puisto", leisure="park",
                geometry=box(X0 - 400, Y0 - 400, X0 + 400, Y0 + 400))
    got = labels([venue("way/1", 0, 200), venue("way/2", 0, -200), venue("way/3", 300, 0),
                  venue("way/4", 0, 0, name="Kenttä"), venue("way/5", -300, -300)],
                 [park, street("Liisankatu", 380)])
    assert got == ["Lawn in Kaisaniemen puisto (north)", "Lawn in Kaisaniemen puisto (south)",
                   "Lawn in Kaisaniemen puisto (east)", "Kenttä — lawn",
                   "Lawn in Kaisaniemen puisto (south-west)"]


def test_namesakes_in_one_direction_get_their_size_then_a_number() -> None:
    got = labels([venue("way/1", 0, 0), venue("way/2", 0, 300, size=50),
                  venue("way/3", 0, 310, size=150), venue("way/4", 0, -300),
                  venue("way/5", 0, -300)])
    assert got == ["Lawn (middle)", "Lawn (north, 2,500 m²)", "Lawn (north, 2.2 ha)",
                   "Lawn (south, 1,600 m², no. 1)", "Lawn (south, 1,600 m², no. 2)"]


def test_labels_are_never_empty_and_distinct() -> None:
    rng = np.random.default_rng(3)
    kinds = list(KINDS)
    venues = [venue(f"way/{i}", *rng.uniform(-2000, 2000, 2), size=rng.uniform(20, 200),
                    kind=kinds[rng.integers(len(kinds))],
                    name=None if rng.random() < 0.8 else f"Place {rng.integers(5)}",
                    sport=[None, "soccer", "tennis"][rng.integers(3)]) for i in range(300)]
    got = labels(venues, [street(f"Street {k}", y) for k, y in
                          enumerate(rng.uniform(-2000, 2000, 20))])
    assert all(label and "unnamed" not in label.lower() for label in got)
    assert len(set(got)) == len(got)


def test_no_venues_no_labels() -> None:
    empty = gpd.GeoDataFrame({"id": [], "name": [], "kind": [], "sport": [], "area_m2": []},
                             geometry=[], crs="EPSG:4326")
    assert list(venue_labels(empty, empty, CRS)) == []


# -- the vocabulary's words --------------------------------------------------------------------
def test_every_kind_road_and_path_has_a_plain_word() -> None:
    assert set(KINDS) <= set(KIND_WORDS)
    assert set(MOTOR_ROAD_CLASSES) | set(RUNNABLE_PATH_CLASSES) <= set(HIGHWAY_WORDS)
    words = [*KIND_WORDS.values(), *HIGHWAY_WORDS.values(), *ENTRANCE_WORDS.values(),
             *GATE_WORDS.values(), *(w for table in SPORT_WORDS.values() for w in table.values()),
             *(w for table in CONTEXT_AREAS.values() for w, _ in table.values())]
    assert not [w for w in words if "_" in w or "=" in w or not w.strip()]


def test_venue_word_by_sport_then_kind() -> None:
    assert venue_word("pitch", "soccer") == "Football pitch"
    assert venue_word("pitch", "tennis") == "Tennis court"
    assert venue_word("pitch", "curling_unknown") == "Playing field"
    assert venue_word("track", "athletics") == "Athletics track"
    assert venue_word("track", None) == "Running track"
    assert venue_word("park", "soccer") == "Park"
    assert venue_word("grass", None) == "Lawn"


def test_with_article() -> None:
    assert with_article("minor road") == "a minor road"
    assert with_article("indoor corridor") == "an indoor corridor"


# -- the ingested file ---------------------------------------------------------------------
def test_an_ingested_file_without_labels_says_re_ingest(tmp_path: Path,
                                                         helsinki_region) -> None:
    old = tmp_path / "old.parquet"
    helsinki_region.venues.drop(columns="label").to_parquet(old)
    with pytest.raises(SourceError, match="missing label.*re-ingest"):
        load_ingested(old)
