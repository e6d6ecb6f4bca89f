"""Sunset at a place and time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from venuefinder.routes.sun import is_dark, sun_elevation

HELSINKI = (60.17, 24.94)
UTC = timezone.utc


def test_midsummer_noon_is_light_and_midnight_dark():
    assert not is_dark(*HELSINKI, datetime(2024, 6, 21, 10, 0, tzinfo=UTC))
    # Sunset in Helsinki at midsummer is at 22:50 local time (19:50 UTC).
    assert not is_dark(*HELSINKI, datetime(2024, 6, 21, 19, 30, tzinfo=UTC))
    assert is_dark(*HELSINKI, datetime(2024, 6, 21, 20, 15, tzinfo=UTC))


def test_a_december_afternoon_is_dark():
    # Sunset in Helsinki on 21 December is at 15:13 local time (13:13 UTC).
    assert not is_dark(*HELSINKI, datetime(2024, 12, 21, 13, 0, tzinfo=UTC))
    assert is_dark(*HELSINKI, datetime(2024, 12, 21, 13, 30, tzinfo=UTC))


def test_the_sun_is_highest_near_local_noon_and_time_zones_count():
    noon = datetime(2024, 3, 20, 10, 20, tzinfo=UTC)  # solar noon at 24.94 E, equinox
    assert sun_elevation(*HELSINKI, noon) == pytest.approx(90 - 60.17, abs=1.0)
    helsinki_time = noon.astimezone(timezone(timedelta(hours=2)))
    assert sun_elevation(*HELSINKI, helsinki_time) == sun_elevation(*HELSINKI, noon)
    with pytest.raises(ValueError, match="time-zone-aware"):
        sun_elevation(*HELSINKI, datetime(2024, 3, 20, 12))
