"""iCalendar files: they parse, and carry what a calendar needs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar

from venuefinder.sessions.ical import CalendarEvent, calendar
from venuefinder.sessions.plans import VenueRoom, build_plan

HELSINKI = ZoneInfo("Europe/Helsinki")
FIELD = VenueRoom("pitch", 110.0, 5000.0, None)


def event(n: int = 0, **overrides) -> CalendarEvent:
    start = datetime(2025, 6, 3, 18, 0, tzinfo=HELSINKI) + timedelta(weeks=n)
    values = dict(uid=f"slug{n}@venuefinder", title="Backwards on Tuesdays",
                  venue="Kaisaniemi field", start=start, end=start + timedelta(minutes=60),
                  lat=60.175, lon=24.945, meeting=(60.1748, 24.9446),
                  meeting_note="The gate in the venue's fence",
                  plan=build_plan("first-steps", FIELD), notes="Bring water.",
                  cancelled=False, sequence=0,
                  stamp=datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc),
                  url=f"https://example.org/s/slug{n}")
    values.update(overrides)
    return CalendarEvent(**values)


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def test_one_session_parses_with_its_zone_place_and_plan() -> None:
    cal = parse(calendar([event()], "Backwards on Tuesdays"))
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["uid"]) == "slug0@venuefinder"
    start = vevent.decoded("dtstart")
    assert start == datetime(2025, 6, 3, 18, 0, tzinfo=HELSINKI)
    assert vevent["dtstart"].params["TZID"] == "Europe/Helsinki"
    assert vevent.decoded("dtend") - start == timedelta(minutes=60)
    assert (vevent["geo"].latitude, vevent["geo"].longitude) == (60.1748, 24.9446)
    assert str(vevent["location"]) == "Kaisaniemi field"
    assert str(vevent["status"]) == "CONFIRMED" and int(vevent["sequence"]) == 0
    text = str(vevent["description"])
    assert "Meeting point (The gate in the venue's fence): 60.17480, " \
           "24.94460" in text
    assert "- Backwards at half speed, walk forwards to recover: 6 × 1 min, 1 min walking " \
           "recovery" in text
    assert "Total 17 min" in text and "Bring water." in text
    assert str(vevent["url"]) == "https://example.org/s/slug0"
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Helsinki"]


def test_without_a_meeting_point_the_venue_is_the_place() -> None:
    [vevent] = parse(calendar([event(meeting=None, meeting_note=None)], "x")).walk("VEVENT")
    assert (vevent["geo"].latitude, vevent["geo"].longitude) == (60.175, 24.945)
    assert str(vevent["description"]).startswith("Meet at the venue: https://www.openstreetmap")


def test_a_cancelled_session_says_so() -> None:
    [vevent] = parse(calendar([event(cancelled=True, sequence=2)], "x")).walk("VEVENT")
    assert str(vevent["status"]) == "CANCELLED" and int(vevent["sequence"]) == 2
    assert str(vevent["summary"]) == "Cancelled: Backwards on Tuesdays"
    assert str(vevent["description"]).startswith("This session is cancelled.")


def test_text_comes_back_exactly() -> None:
    title = "<script>alert(1)</script>; commas, semicolons\\ and ü"
    notes = "Line one;\nline two, with a comma\\"
    [vevent] = parse(calendar([event(title=title, notes=notes)], title)).walk("VEVENT")
    assert str(vevent["summary"]) == title
    assert str(vevent["description"]).endswith(f"{notes}\n\nhttps://example.org/s/slug0")


def test_a_club_feed_lists_every_session_once() -> None:
    data = calendar([event(n) for n in range(3)], "Töölö Backwards", feed=True)
    cal = parse(data)
    assert [str(e["uid"]) for e in cal.walk("VEVENT")] == [
        "slug0@venuefinder", "slug1@venuefinder", "slug2@venuefinder"]
    assert str(cal["x-wr-calname"]) == "Töölö Backwards"
    assert cal.decoded("refresh-interval") == timedelta(hours=1)
    # A duration (RFC 5545 3.3.6) as the X-PUBLISHED-TTL Outlook reads, not "1:00:00".
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in data
    assert len(cal.walk("VTIMEZONE")) == 1


def test_an_empty_feed_parses() -> None:
    cal = parse(calendar([], "Quiet club", feed=True))
    assert cal.walk("VEVENT") == [] and str(cal["prodid"]).startswith("-//venuefinder")
