"""The venue's zone from its coordinates, start times, weekly repeats."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from venuefinder.errors import InputError
from venuefinder.sessions.timezones import parse_start, venue_zone, wall_clock, weekly

HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("lat, lon, name", [
    (60.1699, 24.9384, "Europe/Helsinki"), (51.5072, -0.1276, "Europe/London"),
    (40.7128, -74.0060, "America/New_York"), (-33.8688, 151.2093, "Australia/Sydney"),
    (59.4370, 24.7536, "Europe/Tallinn"),
])
def test_the_zone_comes_from_the_coordinates(lat: float, lon: float, name: str) -> None:
    assert venue_zone(lat, lon).key == name


def test_at_sea_the_zone_is_nautical() -> None:
    assert venue_zone(0.0, -160.0).key == "Etc/GMT+11"


@pytest.mark.parametrize("lat, lon", [(91.0, 0.0), (0.0, 181.0)])
def test_coordinates_out_of_range(lat: float, lon: float) -> None:
    with pytest.raises(InputError):
        venue_zone(lat, lon)


def test_the_zone_lookup_needs_no_network() -> None:
    code = ("import socket\n"
            "def refuse(*a, **k):\n    raise OSError('no network in this test')\n"
            "socket.socket.connect = refuse\nsocket.create_connection = refuse\n"
            "socket.getaddrinfo = refuse\n"
            "from venuefinder.sessions.timezones import venue_zone\n"
            "print(venue_zone(60.1699, 24.9384).key)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Europe/Helsinki"


def test_a_start_without_offset_is_wall_clock_time_at_the_venue() -> None:
    start = parse_start("2025-06-03T18:00", HELSINKI, NOW)
    assert start == datetime(2025, 6, 3, 18, 0, tzinfo=HELSINKI)
    assert start.utcoffset() == timedelta(hours=3)
    assert parse_start("2025-06-03 18:00:30", HELSINKI, NOW).second == 30
    assert parse_start(datetime(2025, 6, 3, 18, 0), HELSINKI, NOW) == start


def test_a_start_with_an_offset_is_that_instant_shown_in_the_venues_zone() -> None:
    expected = datetime(2025, 6, 3, 18, 0, tzinfo=HELSINKI)
    for text in ("2025-06-03T15:00Z", "2025-06-03T15:00+00:00", "2025-06-03T17:00+02:00"):
        start = parse_start(text, HELSINKI, NOW)
        assert start == expected and start.tzinfo is HELSINKI
    aware = datetime(2025, 6, 3, 15, 0, tzinfo=timezone.utc)
    assert parse_start(aware, HELSINKI, NOW) == expected


@pytest.mark.parametrize("text, message", [
    ("2025-02-01T10:00", "in the past"),
    ("2025-03-01T14:00+02:00", "in the past"),  # exactly now
    ("2026-03-03T10:00", "days ahead"),
    ("tomorrow at six", "ISO 8601"),
    ("2025-06-03", "ISO 8601"),
    ("2025-02-30T10:00", "not a real date"),
    ("2025-06-03T25:00", "not a real date"),
    ("2025-06-03T18:00+3", "ISO 8601"),
    ("", "ISO 8601"),
])
def test_bad_starts_are_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_start(text, HELSINKI, NOW)


def test_a_start_needs_an_aware_now() -> None:
    with pytest.raises(InputError, match="timezone-aware"):
        parse_start("2025-06-03T18:00", HELSINKI, datetime(2025, 3, 1))


def test_clock_changes_need_an_offset() -> None:
    # Helsinki: clocks go 03:00 → 04:00 on 30 March 2025 and 04:00 → 03:00 on 26 October.
    with pytest.raises(InputError, match="does not exist"):
        parse_start("2025-03-30T03:30", HELSINKI, NOW)
    with pytest.raises(InputError, match="happens twice"):
        parse_start("2025-10-26T03:30", HELSINKI, NOW)
    assert parse_start("2025-10-26T03:30+02:00", HELSINKI, NOW).fold == 1
    assert wall_clock(datetime(2025, 10, 26, 5, 0), HELSINKI).utcoffset() == timedelta(hours=2)


def test_weekly_repeats_keep_the_wall_clock_time_across_a_clock_change() -> None:
    starts = weekly(datetime(2025, 3, 25, 18, 0, tzinfo=HELSINKI), 3)
    assert [s.strftime("%Y-%m-%d %H:%M %z") for s in starts] == [
        "2025-03-25 18:00 +0200", "2025-04-01 18:00 +0300", "2025-04-08 18:00 +0300"]
    utc = [s.astimezone(timezone.utc) for s in starts]
    assert utc[1] - utc[0] == timedelta(days=7, hours=-1)


def test_a_weekly_repeat_in_the_skipped_hour_moves_an_hour_later() -> None:
    starts = weekly(datetime(2025, 3, 23, 3, 30, tzinfo=HELSINKI), 2)
    assert starts[1].strftime("%Y-%m-%d %H:%M %z") == "2025-03-30 04:30 +0300"
