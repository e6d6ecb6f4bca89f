"""Hazard reports in the store, on SQLite and PostgreSQL alike (the ``store`` fixture)."""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from pyproj import Geod
from sqlalchemy import event, func, select

from venuefinder.errors import ConflictError, InputError, NotFoundError
from venuefinder.store import hazards as H
from venuefinder.store.db import Store, downgrade, upgrade
from venuefinder.store.models import Hazard, Vote
from venuefinder.vocabulary.hazards import (
    CONFIRMED_EXPIRY, EXPIRY, KINDS, REPORT_BUDGET, REPORT_BUDGET_RADIUS_M, REPORT_BUDGET_WINDOW,
)

from .conftest import NOW

LAT, LON = 60.1699, 24.9384  # Helsinki
GEOD = Geod(ellps="WGS84")


def north(metres: float, lat: float = LAT, lon: float = LON) -> tuple[float, float]:
    """The point *metres* due north (negative: south) of (lat, lon), exactly on WGS84."""
    lon2, lat2, _ = GEOD.fwd(lon, lat, 0.0 if metres >= 0 else 180.0, abs(metres))
    return lat2, lon2


def report(store: Store, kind: str = "pothole", severity: str = "medium",
           at: tuple[float, float] = (LAT, LON), client: str = "client-a",
           when=NOW, description: str | None = None):
    return H.report_hazard(store, kind, severity, at[0], at[1], description, client, when)


def count(store: Store, model=Hazard) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def near_ids(store: Store, when=NOW, **kwargs) -> list[int]:
    return [h.id for h, _ in H.hazards_near(store, LAT, LON, 1_000.0, when, **kwargs)]


# -- expiry -------------------------------------------------------------------------------

def test_vocabulary_is_complete() -> None:
    assert set(EXPIRY) == set(KINDS) and set(CONFIRMED_EXPIRY) <= set(KINDS)
    assert EXPIRY["glass"] == timedelta(days=3) and EXPIRY["hill"] == timedelta(days=30)


@pytest.mark.parametrize("kind", KINDS)
def test_a_report_expires_by_its_kind(store: Store, kind: str) -> None:
    hazard, merged = report(store, kind=kind)
    assert merged is None and hazard.status == "open" and hazard.confirmations == 1
    assert hazard.expires_at == NOW + EXPIRY[kind]
    assert H.get_hazard(store, hazard.id) == hazard


def test_a_report_is_open_until_it_expires(store: Store) -> None:
    hazard, _ = report(store, kind="glass")
    last_moment = NOW + EXPIRY["glass"] - timedelta(seconds=1)
    assert near_ids(store, last_moment) == [hazard.id]
    assert hazard.is_open(last_moment)
    expired = NOW + EXPIRY["glass"]
    assert near_ids(store, expired) == []
    assert not hazard.is_open(expired)
    assert H.open_hazards_in_bbox(store, 24, 60, 25, 61, expired).empty
    assert near_ids(store, expired, include_closed=True) == [hazard.id]


# -- dedupe -------------------------------------------------------------------------------

def test_same_kind_within_25_m_confirms_instead_of_adding(store: Store) -> None:
    first, _ = report(store, severity="low", description="deep hole", client="a")
    later = NOW + timedelta(days=10)
    second, merged = report(store, severity="high", at=north(20.0), client="b", when=later)
    assert merged == first.id and second.id == first.id
    assert second.confirmations == 2
    assert second.severity == "high"                      # raised to the worse
    assert second.expires_at == later + EXPIRY["pothole"]  # renewed
    assert second.seen_at == later and second.created_at == NOW
    assert second.description == "deep hole"
    assert (second.lat, second.lon) == (first.lat, first.lon)
    assert count(store) == 1


def test_a_merge_never_lowers_severity_and_fills_a_missing_description(store: Store) -> None:
    first, _ = report(store, severity="high", client="a")
    second, _ = report(store, severity="low", client="b", description="by the goal")
    assert second.severity == "high" and second.description == "by the goal"


def test_the_same_client_reporting_again_counts_once(store: Store) -> None:
    first, _ = report(store, client="a")
    second, merged = report(store, client="a", when=NOW + timedelta(days=1))
    assert merged == first.id and second.confirmations == 1
    assert second.expires_at == NOW + timedelta(days=1) + EXPIRY["pothole"]


@pytest.mark.parametrize("kind, metres", [("glass", 0.0), ("pothole", 30.0)])
def test_another_kind_or_30_m_away_is_a_new_report(store: Store, kind: str,
                                                    metres: float) -> None:
    first, _ = report(store, kind="pothole")
    second, merged = report(store, kind=kind, at=north(metres), client="b")
    assert merged is None and second.id != first.id
    assert count(store) == 2


def test_a_duplicate_joins_the_nearest_open_report(store: Store) -> None:
    far, _ = report(store, at=north(-10.0), client="a")
    near, _ = report(store, at=north(30.0), client="b")     # 40 m from `far`: its own
    merged_hazard, merged = report(store, at=north(12.0), client="c")  # 22 m and 18 m
    assert merged == near.id != far.id and merged_hazard.confirmations == 2


@pytest.mark.parametrize("closing", ["resolved", "hidden", "expired"])
def test_a_closed_report_does_not_absorb_a_new_one(store: Store, closing: str) -> None:
    first, _ = report(store, kind="glass")
    when = NOW
    if closing == "resolved":
        H.mark_gone(store, first.id, "x", NOW)
        H.mark_gone(store, first.id, "y", NOW)
    elif closing == "hidden":
        H.hide(store, first.id, NOW)
    else:
        when = NOW + EXPIRY["glass"]
    second, merged = report(store, kind="glass", client="b", when=when)
    assert merged is None and second.id != first.id and count(store) == 2


# -- votes --------------------------------------------------------------------------------

def test_confirm_renews_the_lifetime_and_counts_each_client_once(store: Store) -> None:
    hazard, _ = report(store, kind="glass", client="reporter")
    day2 = NOW + timedelta(days=2)
    confirmed = H.confirm(store, hazard.id, "b", day2)
    assert confirmed.confirmations == 2 and confirmed.seen_at == day2
    assert confirmed.expires_at == day2 + EXPIRY["glass"]
    day4 = NOW + timedelta(days=4)  # open only because of the renewal
    again = H.confirm(store, hazard.id, "b", day4)
    assert again.confirmations == 2 and again.expires_at == day4 + EXPIRY["glass"]
    assert H.confirm(store, hazard.id, "reporter", day4).confirmations == 2
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Vote)
                              .where(Vote.action == "confirm")) == 2


def test_an_unconfirmed_hill_expires_and_a_confirmed_one_lives_longer(store: Store) -> None:
    fake, _ = report(store, kind="hill", client="a")
    assert fake.expires_at == NOW + timedelta(days=30)
    with pytest.raises(ConflictError, match="expired"):
        H.confirm(store, fake.id, "b", NOW + timedelta(days=30))
    assert H.hazards_near(store, LAT, LON, 100.0, NOW + timedelta(days=30)) == []
    # The same client saying it again renews it, but only by the unconfirmed lifetime.
    real, _ = report(store, kind="hill", at=north(100.0), client="a", when=NOW)
    day5 = NOW + timedelta(days=5)
    assert H.confirm(store, real.id, "a", day5).expires_at == day5 + timedelta(days=30)
    # A second client: a year from then.
    day9 = NOW + timedelta(days=9)
    confirmed = H.confirm(store, real.id, "b", day9)
    assert confirmed.confirmations == 2
    assert confirmed.expires_at == day9 + CONFIRMED_EXPIRY["hill"] == day9 + timedelta(days=365)


def test_open_hills_get_their_lifetime_when_migrated(store: Store) -> None:
    """0004: hills that never expired get ``seen_at`` plus their lifetime; down, never."""
    downgrade(store, "0003")
    old = NOW - timedelta(days=100)
    with store.write() as session:
        for reporter, confirmations, status in (("a", 1, "open"), ("b", 2, "open"),
                                                 ("c", 1, "resolved")):
            session.add(Hazard(kind="hill", severity="high", lat=LAT, lon=LON, status=status,
                               confirmations=confirmations, flags=0, reporter=reporter,
                               created_at=old, updated_at=old, seen_at=old, expires_at=None))
    upgrade(store)
    with store.read() as session:
        expiries = [h.expires_at for h in session.scalars(select(Hazard).order_by(Hazard.id))]
    assert expiries == [old + timedelta(days=30), old + timedelta(days=365), None]
    assert [h.id for h, _ in H.hazards_near(store, LAT, LON, 10.0, NOW)] == [2]
    downgrade(store, "0003")
    with store.read() as session:
        assert session.scalars(select(Hazard.expires_at)).all() == [None] * 3
    upgrade(store)


def test_only_an_open_report_can_be_confirmed(store: Store) -> None:
    glass, _ = report(store, kind="glass")
    with pytest.raises(ConflictError, match="expired"):
        H.confirm(store, glass.id, "b", NOW + EXPIRY["glass"])
    pothole, _ = report(store, kind="pothole")
    H.mark_gone(store, pothole.id, "x", NOW)
    H.mark_gone(store, pothole.id, "y", NOW)
    with pytest.raises(ConflictError, match="resolved"):
        H.confirm(store, pothole.id, "b", NOW)
    with pytest.raises(NotFoundError):
        H.confirm(store, 999, "b", NOW)


def test_two_different_clients_saying_gone_resolve_it(store: Store) -> None:
    hazard, _ = report(store)
    assert H.mark_gone(store, hazard.id, "a", NOW).status == "open"
    assert H.mark_gone(store, hazard.id, "a", NOW).status == "open"  # same client: once
    assert near_ids(store) == [hazard.id]
    assert H.mark_gone(store, hazard.id, "b", NOW).status == "resolved"
    assert near_ids(store) == []
    assert near_ids(store, include_closed=True) == [hazard.id]
    assert H.open_hazards_in_bbox(store, 24, 60, 25, 61, NOW).empty


def test_three_different_clients_flagging_hide_it(store: Store) -> None:
    hazard, _ = report(store)
    for _ in range(3):
        flagged = H.flag(store, hazard.id, "a", "not there", NOW)
    assert flagged.flags == 1 and flagged.status == "open"
    H.flag(store, hazard.id, "b", None, NOW)
    hidden = H.flag(store, hazard.id, "c", "spam", NOW)
    assert hidden.flags == 3 and hidden.status == "hidden"
    assert near_ids(store) == [] and near_ids(store, include_closed=True) == []
    assert H.open_hazards_in_bbox(store, 24, 60, 25, 61, NOW).empty
    listed = H.flagged_hazards(store)
    assert [f.hazard.id for f in listed] == [hazard.id]
    assert listed[0].reasons == ("not there", "spam")


def test_hide_and_restore(store: Store) -> None:
    quiet, _ = report(store, kind="glass")
    hazard, _ = report(store, kind="pothole")
    H.flag(store, quiet.id, "a", "dup", NOW)
    for client in "abc":
        H.flag(store, hazard.id, client, None, NOW)
    assert [f.hazard.id for f in H.flagged_hazards(store)] == [hazard.id, quiet.id]
    restored = H.restore(store, hazard.id, NOW)
    assert restored.status == "open" and restored.flags == 0
    assert near_ids(store) == [quiet.id, hazard.id]
    # The admin's review counts once among those who say it is there.
    assert restored.confirmations == 2
    assert H.restore(store, hazard.id, NOW).confirmations == 2
    H.flag(store, hazard.id, "a", None, NOW)  # already counted before the review
    assert H.get_hazard(store, hazard.id).flags == 0
    assert H.hide(store, hazard.id, NOW).status == "hidden"
    assert near_ids(store) == [quiet.id]
    H.mark_gone(store, hazard.id, "x", NOW)
    H.mark_gone(store, hazard.id, "y", NOW)
    assert H.get_hazard(store, hazard.id).status == "hidden"  # gone votes keep it hidden
    assert H.restore(store, hazard.id, NOW).status == "resolved"
    with pytest.raises(NotFoundError):
        H.hide(store, 999, NOW)
    with pytest.raises(NotFoundError):
        H.restore(store, 999, NOW)


# -- version ------------------------------------------------------------------------------

def test_every_write_bumps_the_version_and_nothing_else_does(store: Store) -> None:
    assert store.version() == 0
    hazard, _ = report(store)
    writes = [
        lambda: report(store, client="b"),
        lambda: H.confirm(store, hazard.id, "c", NOW),
        lambda: H.mark_gone(store, hazard.id, "d", NOW),
        lambda: H.flag(store, hazard.id, "e", None, NOW),
        lambda: H.hide(store, hazard.id, NOW),
        lambda: H.restore(store, hazard.id, NOW),
    ]
    seen = [store.version()]
    for write in writes:
        write()
        seen.append(store.version())
    assert seen == list(range(1, len(writes) + 2))
    H.get_hazard(store, hazard.id)
    H.hazards_near(store, LAT, LON, 100.0, NOW)
    H.open_hazards_in_bbox(store, 24, 60, 25, 61, NOW)
    H.flagged_hazards(store)
    with pytest.raises(ConflictError):
        H.confirm(store, hazard.id, "f", NOW + EXPIRY["pothole"] * 2)  # expired: rolled back
    with pytest.raises(NotFoundError):
        H.mark_gone(store, 999, "f", NOW)
    assert store.version() == seen[-1]


# -- validation ---------------------------------------------------------------------------

BAD_REPORTS = {
    "kind": dict(kind="lava"),
    "severity": dict(severity="extreme"),
    "latitude range": dict(lat=90.5),
    "latitude NaN": dict(lat=math.nan),
    "longitude infinite": dict(lon=math.inf),
    "longitude text": dict(lon="east"),
    "latitude bool": dict(lat=True),
    "description length": dict(description="x" * 501),
    "description type": dict(description=42),
    "client empty": dict(client="  "),
    "client missing": dict(client=None),
    "naive time": dict(now=NOW.replace(tzinfo=None)),
}


@pytest.mark.parametrize("bad", BAD_REPORTS.values(), ids=BAD_REPORTS.keys())
def test_bad_input_raises_and_stores_nothing(store: Store, bad: dict) -> None:
    values = dict(kind="pothole", severity="high", lat=LAT, lon=LON, description=None,
                  client="a", now=NOW)
    values.update(bad)
    with pytest.raises(InputError):
        H.report_hazard(store, **values)
    assert count(store) == 0 and count(store, Vote) == 0 and store.version() == 0


def test_the_longest_description_is_accepted(store: Store) -> None:
    hazard, _ = report(store, description="x" * 500)
    assert len(H.get_hazard(store, hazard.id).description) == 500


def test_bad_ids_radii_and_boxes(store: Store) -> None:
    hazard, _ = report(store)
    with pytest.raises(NotFoundError):
        H.get_hazard(store, hazard.id + 1)
    with pytest.raises(InputError):
        H.get_hazard(store, "1")
    with pytest.raises(InputError):
        H.flag(store, hazard.id, "a", "y" * 501, NOW)
    for radius in (0.0, -5.0, math.nan, H.HAZARD_QUERY_MAX_RADIUS_M + 1):
        with pytest.raises(InputError):
            H.hazards_near(store, LAT, LON, radius, NOW)
    with pytest.raises(InputError):
        H.open_hazards_in_bbox(store, 24, 61, 25, 60, NOW)  # south > north
    with pytest.raises(InputError):
        H.open_hazards_in_bbox(store, 24, 60, 181, 61, NOW)
    assert H.get_hazard(store, hazard.id).flags == 0


# -- queries ------------------------------------------------------------------------------

def test_hazards_near_is_exact_and_nearest_first(store: Store) -> None:
    h99, _ = report(store, kind="glass", at=north(99.0))
    h101, _ = report(store, kind="glass", at=north(-101.0), client="b")
    h50, _ = report(store, kind="dark", at=north(-50.0), client="c")
    found = H.hazards_near(store, LAT, LON, 100.0, NOW)
    assert [h.id for h, _ in found] == [h50.id, h99.id]
    assert [round(d, 3) for _, d in found] == [50.0, 99.0]
    assert h101.id in [h.id for h, _ in H.hazards_near(store, LAT, LON, 102.0, NOW)]


def test_queries_work_across_the_antimeridian(store: Store) -> None:
    east, _ = report(store, kind="obstacle", at=(-16.5, 179.9999))
    found = H.hazards_near(store, -16.5, -179.9999, 50.0, NOW)
    assert [h.id for h, _ in found] == [east.id] and 20.0 < found[0][1] < 22.0
    frame = H.open_hazards_in_bbox(store, 179.0, -17.0, -179.0, -16.0, NOW)
    assert frame["id"].tolist() == [east.id]
    assert H.open_hazards_in_bbox(store, -179.0, -17.0, 179.0, -16.0, NOW).empty


def test_open_hazards_in_bbox_is_a_frame_for_scoring(store: Store) -> None:
    inside, _ = report(store, kind="pothole", severity="high", description="deep")
    report(store, kind="glass", at=(61.5, 24.9), client="b")  # outside the box
    gone, _ = report(store, kind="dark", at=north(100.0), client="c")
    H.mark_gone(store, gone.id, "x", NOW)
    H.mark_gone(store, gone.id, "y", NOW)
    frame = H.open_hazards_in_bbox(store, 24.0, 60.0, 25.0, 61.0, NOW)
    assert tuple(frame.columns) == H.FRAME_COLUMNS
    assert frame["id"].tolist() == [inside.id]
    row = frame.iloc[0]
    assert (row["kind"], row["severity"], row["confirmations"]) == ("pothole", "high", 1)
    assert (row["lat"], row["lon"], row["description"]) == (LAT, LON, "deep")
    assert row["created_at"] == NOW and row["expires_at"] == NOW + EXPIRY["pothole"]
    empty = H.open_hazards_in_bbox(store, 0.0, 0.0, 1.0, 1.0, NOW)
    assert tuple(empty.columns) == H.FRAME_COLUMNS and empty.empty
    assert dict(empty.dtypes) == dict(frame.dtypes)


def test_the_reporter_never_leaves_the_store(store: Store) -> None:
    hazard, _ = report(store, client="secret-hash")
    report(store, kind="glass", client="secret-hash")
    report(store, kind="dark", client="other-hash")
    assert "reporter" not in {f.name for f in dataclasses.fields(H.HazardReport)}
    assert "secret-hash" not in repr(hazard)
    # The scoring frame says only which reports share a client.
    frame = H.open_hazards_in_bbox(store, 24, 60, 25, 61, NOW)
    assert frame["reporter"].tolist() == [0, 0, 1]
    assert not frame.isin(["secret-hash", "other-hash"]).any().any()
    with store.read() as session:
        assert session.get(Hazard, hazard.id).reporter == "secret-hash"


# -- the per-client budget ----------------------------------------------------------------

def spread(i: int, metres: float = 40.0) -> tuple[float, float]:
    """The *i*-th point of a line of distinct spots (no two merge) within the budget's area."""
    return north(metres * i - 200.0)


def test_a_client_has_a_daily_report_budget_per_area(store: Store) -> None:
    start = NOW - timedelta(hours=3)
    for i in range(REPORT_BUDGET):
        report(store, at=spread(i), client="a", when=start + timedelta(minutes=i))
    before = count(store), count(store, Vote), store.version()
    with pytest.raises(H.ReportBudgetError, match=f"at most {REPORT_BUDGET}") as refused:
        report(store, at=spread(REPORT_BUDGET), client="a")
    # The first of them leaves the window 21 hours from now: one more is possible then.
    assert refused.value.retry_after == REPORT_BUDGET_WINDOW - timedelta(hours=3)
    assert isinstance(refused.value, InputError)
    assert (count(store), count(store, Vote), store.version()) == before
    # Confirming (also by reporting the same spot again) is not limited; others have theirs.
    assert report(store, at=spread(3), client="a")[1] is not None
    assert report(store, at=spread(3), client="b")[1] is not None
    assert report(store, kind="glass", client="b")[1] is None
    # Far enough away, or once the window has passed, the client may report again.
    far = north(REPORT_BUDGET_RADIUS_M + 300.0)
    assert report(store, at=far, client="a")[1] is None
    later = start + REPORT_BUDGET_WINDOW
    assert report(store, kind="glass", at=spread(REPORT_BUDGET), client="a",
                  when=later)[1] is None


def test_closed_reports_still_count_against_the_budget(store: Store) -> None:
    for i in range(REPORT_BUDGET):
        hazard, _ = report(store, at=spread(i), client="a")
        H.mark_gone(store, hazard.id, "x", NOW)
        H.mark_gone(store, hazard.id, "y", NOW)
    with pytest.raises(H.ReportBudgetError):
        report(store, at=spread(REPORT_BUDGET), client="a")


# -- concurrency and durability -------------------------------------------------------------

@pytest.fixture
def racy(store: Store) -> Store:
    """The store with a pause after every read of the hazards table, so that without the
    locks concurrent check-then-insert transactions would surely interleave."""
    def pause(conn, cursor, statement, *args) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM hazards" in statement:
            time.sleep(0.005)

    event.listen(store.engine, "after_cursor_execute", pause)
    return store


def _in_parallel(n: int, task) -> list:
    barrier = threading.Barrier(n)

    def run(i: int):
        barrier.wait()
        return task(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_fifty_simultaneous_reports_of_one_spot_make_one_row(racy: Store) -> None:
    store = racy
    results = _in_parallel(50, lambda i: report(store, at=north(i * 0.1), client=f"c{i}"))
    ids = {hazard.id for hazard, _ in results}
    assert count(store) == 1 and len(ids) == 1
    assert sorted(merged is None for _, merged in results) == [False] * 49 + [True]
    assert H.get_hazard(store, ids.pop()).confirmations == 50
    assert count(store, Vote) == 50
    assert store.version() == 50


def test_two_hundred_simultaneous_reports_of_distinct_spots_make_200_rows(
        racy: Store) -> None:
    store = racy
    results = _in_parallel(200, lambda i: report(store, at=north(40.0 * i), client=f"c{i}"))
    assert all(merged is None for _, merged in results)
    assert len({hazard.id for hazard, _ in results}) == 200 and count(store) == 200


def test_simultaneous_reports_of_one_client_cannot_overdraw_its_budget(racy: Store) -> None:
    store = racy

    def attempt(i: int) -> bool:
        try:
            report(store, at=spread(i, 30.0), client="flood")
        except H.ReportBudgetError:
            return False
        return True

    results = _in_parallel(3 * REPORT_BUDGET, attempt)
    assert results.count(True) == REPORT_BUDGET == count(store)


def test_simultaneous_confirmations_count_each_client_once(racy: Store) -> None:
    store = racy
    hazard, _ = report(store, client="reporter")
    _in_parallel(30, lambda i: H.confirm(store, hazard.id, f"c{i % 10}", NOW))
    assert H.get_hazard(store, hazard.id).confirmations == 11


_WRITER = """
import sys
from venuefinder.store.db import open_store
from venuefinder.store.hazards import report_hazard
store = open_store(sys.argv[1])
for i in range(100000):
    hazard, _ = report_hazard(store, "pothole", "low", 60.0 + i * 0.001, 24.9, None, "w")
    print(hazard.id, flush=True)
"""


def test_every_committed_report_survives_kill_9(store: Store) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, url], stdout=subprocess.PIPE,
                              text=True, env=env)
    try:
        acknowledged = [int(writer.stdout.readline()) for _ in range(30)]
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    store.engine.dispose()  # read what is on disk, through new connections
    for hazard_id in acknowledged:
        assert H.get_hazard(store, hazard_id).kind == "pothole"
    assert count(store) >= len(acknowledged)


def test_the_store_refuses_control_characters_and_keeps_line_feeds(store: Store) -> None:
    with pytest.raises(InputError):
        report(store, description="glass\x00here")
    hazard, _ = report(store, description="broken\r\nbottle")
    assert hazard.description == "broken\nbottle"
