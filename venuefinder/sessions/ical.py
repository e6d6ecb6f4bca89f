"""iCalendar files (RFC 5545, the ``icalendar`` package): one session's, and a club's feed.

One ``VEVENT`` per session: ``UID`` (``<slug>@venuefinder``, stable, so a calendar updates
the event instead of adding another), ``DTSTART``/``DTEND`` with the venue's ``TZID`` (its
``VTIMEZONE`` included, over the years the events span), ``SUMMARY``, ``LOCATION`` (what
the map calls the venue: its label), ``GEO`` (the meeting point, else the venue),
``DESCRIPTION`` (meeting point with a map link, the plan step by step with its total, the
notes, the page), ``URL``, ``SEQUENCE`` (the session's edit count: a calendar takes the
highest as current) and ``STATUS`` (``CONFIRMED``, or ``CANCELLED`` so that subscribers
see the cancellation). A feed says how often to fetch it again, as ``REFRESH-INTERVAL``
and ``X-PUBLISHED-TTL`` (both the duration ``PT1H``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Optional, Sequence

from .plans import Plan

if TYPE_CHECKING:
    import icalendar

PRODID = "-//venuefinder//club sessions//EN"
#: How often a subscribed feed asks to be fetched again.
REFRESH = timedelta(hours=1)
#: VTIMEZONE rules cover the events' years with this margin either side.
_TZ_MARGIN = timedelta(days=366)


@dataclass(frozen=True)
class CalendarEvent:
    """What a calendar needs of one session.

    Attributes
    ----------
    uid
        Stable and unique (``<slug>@venuefinder``).
    title, venue
        Summary and location text (what the venue is called: never empty).
    start, end
        Aware, in the venue's zone (an IANA ``zoneinfo`` zone).
    lat, lon
        A point on the venue.
    meeting
        ``(lat, lon)`` of the meeting point, or None (meet at the venue).
    meeting_note
        Why or how to find the meeting point, or None.
    plan
        The workout.
    notes
        The organiser's notes, or None.
    cancelled
        Whether the session is cancelled.
    sequence
        Revision (0 for the first version).
    stamp
        When this version was made (aware).
    url
        The session's page, or None.
    """

    uid: str
    title: str
    venue: str
    start: datetime
    end: datetime
    lat: float
    lon: float
    meeting: Optional[tuple[float, float]]
    meeting_note: Optional[str]
    plan: Plan
    notes: Optional[str]
    cancelled: bool
    sequence: int
    stamp: datetime
    url: Optional[str] = None


def calendar(events: Sequence[CalendarEvent], name: str, feed: bool = False) -> bytes:
    """An ``.ics`` file of *events*.

    Parameters
    ----------
    events
        The sessions, in the order to list them.
    name
        The calendar's name (``NAME`` and ``X-WR-CALNAME``).
    feed
        A subscribed feed (a club's): says how often to fetch it again.
    """
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    if feed:
        cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        # An X- property's value is text unless typed: give it as the duration (PT1H).
        cal.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for event in events:
        cal.add_component(_vevent(event))
    if events:
        cal.add_missing_timezones(
            first_date=(min(e.start for e in events) - _TZ_MARGIN).date(),
            last_date=(max(e.end for e in events) + _TZ_MARGIN).date())
    return cal.to_ical()


def _vevent(event: CalendarEvent) -> "icalendar.Event":
    import icalendar

    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", event.stamp)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstart", event.start)
    vevent.add("dtend", event.end)
    vevent.add("summary", f"Cancelled: {event.title}" if event.cancelled else event.title)
    vevent.add("location", event.venue)
    lat, lon = event.meeting or (event.lat, event.lon)
    vevent.add("geo", (round(lat, 6), round(lon, 6)))
    vevent.add("description", description(event))
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.url:
        vevent.add("url", event.url)
    return vevent


def description(event: CalendarEvent) -> str:
    """The event's plain-text description: meeting point, plan, notes, page."""
    lines = []
    if event.cancelled:
        lines += ["This session is cancelled.", ""]
    if event.meeting is None:
        lines.append(f"Meet at the venue: {_map_link(event.lat, event.lon)}")
    else:
        lat, lon = event.meeting
        note = f" ({event.meeting_note})" if event.meeting_note else ""
        lines.append(f"Meeting point{note}: {lat:.5f}, {lon:.5f} {_map_link(lat, lon)}")
    lines += ["", *event.plan.lines()]
    if event.notes:
        lines += ["", event.notes]
    if event.url:
        lines += ["", event.url]
    return "\n".join(lines)


def _map_link(lat: float, lon: float) -> str:
    return (f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}"
            f"#map=18/{lat:.5f}/{lon:.5f}")
