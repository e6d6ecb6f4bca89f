"""The worker's memo of re-scored venues (venuefinder.web.overlay_memo): the same answers
as re-scoring every time, reused within a window, dropped when a report expires."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from venuefinder.web.overlay_memo import MemoOverlay

from ..test_live import NOW, X0, Y0, overlay, report, scored_region

COLUMNS = ["id", "score", "rank", "score_hazards", "reason_hazards", "hazard_count"]


def test_memo_answers_as_rescoring_does_and_reuses_rows_within_its_window():
    region = scored_region()
    live = overlay(report(X0 + 50, Y0 + 350), report(X0 + 50, Y0 + 50, severity="low"))
    memo = MemoOverlay(live)
    calls = []
    original = live.rescore
    live.rescore = lambda venues, now=None: calls.append(len(venues)) or original(venues, now)
    both = region.venues.iloc[[0, 1]]
    expected = original(both, NOW)[COLUMNS].reset_index(drop=True)
    got = memo.rescore(both, NOW)[COLUMNS].reset_index(drop=True)
    pd.testing.assert_frame_equal(got.astype(object), expected.astype(object))
    assert got["score"].tolist()[0] < 90.0  # the high report counts
    # Later in the window, in another order and one at a time: no re-scoring.
    memo.rescore(region.venues.iloc[[1, 0]], NOW + timedelta(seconds=30))
    assert memo.rescore(region.venues.iloc[[1]], NOW + timedelta(seconds=31))[
        "id"].tolist() == ["way/2"]
    assert calls == [2]
    memo.rescore(both, NOW + timedelta(minutes=2))  # past the TTL
    assert calls == [2, 2]


def test_an_expiring_report_ends_the_window_at_once():
    region = scored_region()
    live = overlay(report(X0 + 50, Y0 + 350, expires_at=NOW + timedelta(hours=1)))
    memo = MemoOverlay(live, ttl_s=10**7)
    north = region.venues.iloc[[0]]
    assert memo.rescore(north, NOW)["hazard_count"].tolist() == [1]
    assert memo.rescore(north, NOW + timedelta(minutes=59))["hazard_count"].tolist() == [1]
    later = memo.rescore(north, NOW + timedelta(hours=1, seconds=1))
    assert later["hazard_count"].tolist() == [0] and later["score"].tolist() == [90.0]
