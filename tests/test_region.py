"""The scored region: queries, lookups, and the on-disk cache (integration on Helsinki)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from venuefinder.config import Settings
from venuefinder.errors import InputError, NotFoundError
from venuefinder import prepare
from venuefinder.prepare import prepare_region
from venuefinder.region import Region

CENTRE = (60.1699, 24.9384)


def test_helsinki_venues_are_scored_with_reasons(helsinki_region):
    venues = helsinki_region.venues
    assert len(venues) >= 40
    assert set(venues["kind"]) >= {"park", "pitch", "grass"}
    for criterion in ("flatness", "traffic", "surface"):
        assert venues[f"score_{criterion}"].between(0, 100).all()
        assert venues[f"reason_{criterion}"].str.len().gt(10).all()
    # Central Helsinki has busy streets: some venue is vetoed for traffic, citing a street.
    vetoed = venues.loc[venues["vetoed_by"] == "traffic"]
    assert len(vetoed) > 0
    assert vetoed["reason_traffic"].str.contains(r"\((?:primary|secondary)").any()
    assert (vetoed["score"] < 20).all()


def test_query_is_best_first_within_radius(helsinki_region):
    hits = helsinki_region.query(*CENTRE, radius_m=1000, limit=50)
    assert hits
    ranks = [helsinki_region.venues.iloc[row]["rank"] for row, _ in hits]
    assert ranks == sorted(ranks, reverse=True)
    assert all(0 <= distance <= 1000 for _, distance in hits)
    narrower = helsinki_region.query(*CENTRE, radius_m=200, limit=50)
    assert len(narrower) < len(hits)


def test_query_filters(helsinki_region):
    hits = helsinki_region.query(*CENTRE, radius_m=3000, limit=100, min_score=60,
                                 kinds=["park"])
    assert hits  # a park scoring 60 or more lies within 3 km
    rows = helsinki_region.venues.iloc[[row for row, _ in hits]]
    assert (rows["kind"] == "park").all() and (rows["score"] >= 60).all()


def test_answers_serialised_on_first_use_are_those_serialised_up_front(helsinki_region):
    lazy = Region(venues=helsinki_region.venues, places=helsinki_region.places, basemap=None,
                  crs=helsinki_region.crs, serialise_up_front=False)
    for lat, lon in ((60.1699, 24.9384), (60.175, 24.93)):
        eager = helsinki_region.near_json(lat, lon, 2000, 50)
        assert '"features": []' not in eager
        assert lazy.near_json(lat, lon, 2000, 50) == eager
        assert lazy.near_json(lat, lon, 2000, 50) == eager  # and again, from what it kept


def test_venue_lookup(helsinki_region):
    venue_id = helsinki_region.venues["id"].iloc[0]
    assert helsinki_region.venue(venue_id)["properties"]["id"] == venue_id
    with pytest.raises(NotFoundError):
        helsinki_region.venue("way/1")
    with pytest.raises(InputError):
        helsinki_region.venue("../../etc/passwd")


def test_place_search(helsinki_region):
    found = helsinki_region.search_places("rautatient")
    assert found and found[0]["name"].lower().startswith("rautatient")
    assert 60.16 < found[0]["lat"] < 60.18
    assert helsinki_region.search_places("   ") == []
    assert helsinki_region.search_places("zzzzzz-nothing") == []


def test_basemap_in_a_box(helsinki_region):
    collection = helsinki_region.basemap_features(24.935, 60.165, 24.945, 60.172)
    layers = {f["properties"]["layer"] for f in collection["features"]}
    assert {"road", "building"} <= layers


def test_cache_is_used_and_invalidated(tmp_path: Path, helsinki_path: Path, monkeypatch):
    extract = tmp_path / "helsinki.osm.pbf"
    shutil.copy(helsinki_path, extract)
    settings = Settings(source=str(extract), cache_dir=tmp_path / "cache")
    first = prepare_region(settings)
    entries = list((tmp_path / "cache").iterdir())
    assert len(entries) == 1

    def no_parsing(*args, **kwargs):
        raise AssertionError("the cached region should have been used")

    monkeypatch.setattr(prepare, "read_extract", no_parsing)
    cached = prepare_region(settings)
    assert cached.venues["id"].tolist() == first.venues["id"].tolist()
    assert cached.venues["score"].tolist() == first.venues["score"].tolist()
    assert cached.crs == first.crs

    # New scoring settings, or a touched file, mean a fresh parse.
    with pytest.raises(AssertionError, match="cached region"):
        prepare_region(settings.model_copy(update={"veto_below": 5.0}))
    os.utime(extract, ns=(1, 1))
    with pytest.raises(AssertionError, match="cached region"):
        prepare_region(settings)


def test_damaged_cache_entry_is_rebuilt(tmp_path: Path):
    settings = Settings(cache_dir=tmp_path / "cache")
    prepare_region(settings)
    (entry,) = (tmp_path / "cache").iterdir()
    (entry / "venues.parquet").write_bytes(b"garbage")
    region = prepare_region(settings)
    assert len(region.venues) >= 40
