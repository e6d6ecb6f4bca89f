"""Criteria and meeting points found on the second core give what they give here (the
embedded extract)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import venuefinder.parallel as parallel
import venuefinder.prepare as prepare
from venuefinder.config import Settings
from venuefinder.criteria import REGISTRY
from venuefinder.prepare import score_features
from venuefinder.sources.osm_file import read_extract


def test_geometry_only_criteria_in_a_second_process(helsinki_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert any(c.geometry_only for c in REGISTRY)
    osm = read_extract(helsinki_path, for_map=False, parallel=False)
    here, *_ = score_features(osm, Settings())
    forked = []

    class Recorded(parallel.Forked):
        def __enter__(self) -> "Recorded":
            forked.append(self._function.__name__)
            return super().__enter__()

    monkeypatch.setattr(prepare, "PARALLEL_MIN_VENUES", 1)
    monkeypatch.setattr(prepare, "spare_core", lambda: True)
    monkeypatch.setattr(prepare, "Forked", Recorded)
    apart, *_ = score_features(osm, Settings())
    assert forked == ["_venue_only_work"]
    assert len(here) > 20
    pd.testing.assert_frame_equal(apart.drop(columns="geometry"),
                                  here.drop(columns="geometry"))
