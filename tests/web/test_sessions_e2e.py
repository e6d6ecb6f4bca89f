"""End to end in Debian's headless Chromium: an organiser makes a club, opens Kaivo Field's
popup on the map, follows "Plan a group session here", fills the form (the meeting point
clicked on the small map) and publishes; a second person opens the shared link and signs
up as needing a spotter, a third as a spotter, and the page shows them paired with nobody
left unpaired. The session's and the club's calendar files both parse. The small map draws
the extract's own basemap with tiles off, and when the tile server cannot be reached.

The app serves the tiny region with Kaivo Field's room measured (tiles off: no request
leaves 127.0.0.1) with a new SQLite store. Each person is a browser context of their own.
"""

from __future__ import annotations

import re
import socket
from typing import Any, Iterator
from urllib.request import urlopen

import icalendar
import pytest

from .regions import tiny_region_with_room
from .test_e2e import LiveServer, Recorder, browser, module  # noqa: F401 (the fixture)
from .test_session_pages import DAY

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(make_app, browser) -> Iterator[LiveServer]:  # noqa: F811
    live = LiveServer(make_app(tiny_region_with_room(usable_area_m2=12000.0)))
    yield live
    live.stop()


def _open(browser: Any, url: str) -> tuple[Any, Any, Recorder]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    recorder = Recorder(page)
    page.goto(url)
    return context, page, recorder


def _sign_up(browser: Any, url: str, name: str, role: str) -> tuple[Any, Any, Recorder]:  # noqa: F811
    context, page, recorder = _open(browser, url)
    page.fill("#name", name)
    page.check(f"input[name=role][value={role}]")
    page.click("#signup-button")
    page.wait_for_selector("#you .your-signup")
    return context, page, recorder


def _calendar(url: str) -> icalendar.Calendar:
    with urlopen(url, timeout=10) as response:  # the live server on 127.0.0.1
        assert response.headers.get_content_type() == "text/calendar"
        return icalendar.Calendar.from_ical(response.read())


def test_plan_from_the_popup_share_sign_up_and_see_the_pair(server: LiveServer,
                                                           browser: Any) -> None:  # noqa: F811
    contexts = []
    try:
        # The organiser makes a club, and keeps its address and token.
        context, page, organiser = _open(browser, f"{server.url}/clubs/new")
        contexts.append(context)
        page.fill("#name", "Kaivo Backwards Club")
        page.click("#make-club")
        club = page.inner_text("#club-slug")
        club_token = page.inner_text("#club-token")

        # The map: Kaivo Field's popup, and its link to the organiser's form.
        page.goto(server.url)
        page.wait_for_function("(m) => m.map !== null", arg=module(page, "js/map.js"))
        page.fill("#q", "60.17, 24.94")
        page.click("#search-button")
        page.wait_for_selector('#results [data-id="way/1"]')
        page.click('#results [data-id="way/1"]')
        page.wait_for_selector(".leaflet-popup-content .venue-card")
        assert "Kaivo Field" in page.inner_text(".leaflet-popup-content")
        page.click(".leaflet-popup-content a.plan-session")
        page.wait_for_selector("#session-form")
        assert page.url == f"{server.url}/sessions/new?venue=way%2F1"
        assert page.inner_text("#tz") == "Europe/Helsinki"
        assert "Kaivo Gate" in page.input_value("#meeting_note")

        # The form: the plan editor adds up (durations as durations), the meeting point is
        # clicked on the map.
        assert page.inner_text("#steps-total") == "17 min"
        page.select_option("#plan", "build-up")
        page.fill('#steps tbody tr:nth-child(2) [name=step_minutes]', "2")
        assert page.input_value("#plan") == "custom"
        assert page.inner_text("#steps-total") == "23 min"  # 5 + 6 × (2 + 1)
        page.fill('#steps tbody tr:nth-child(2) [name=step_minutes]', "10")
        assert page.inner_text("#steps-total") == "1 h 11 min"  # 5 + 6 × (10 + 1)
        page.select_option("#plan", "first-steps")
        assert page.inner_text("#steps-total") == "17 min"
        assert page.evaluate("(m) => [45, 90, 3600, 3930].map(m.durationText)",
                             module(page, "sessions.js")) == [
            "45 s", "1 min 30 s", "1 h", "1 h 5 min 30 s"]
        page.wait_for_selector("#session-map.leaflet-container")
        box = page.locator("#session-map").bounding_box()
        page.locator("#session-map").click(position={"x": box["width"] / 2,
                                                      "y": box["height"] / 2})
        assert page.input_value("#meeting_note") == "Chosen on the map"
        lat, lon = float(page.input_value("#meeting_lat")), float(page.input_value("#meeting_lon"))
        assert abs(lat - 60.17) < 0.002 and abs(lon - 24.94) < 0.004

        page.fill("#title", "Tuesday backwards")
        page.fill("#date", DAY)
        page.fill("#time", "18:00")
        page.fill("#capacity", "10")
        page.click("details:has(#club) summary")
        page.fill("#club", club)
        page.fill("#club_token", club_token)
        page.click("#publish")
        page.wait_for_selector("#created-heading")
        share = page.get_attribute("#share-link", "href")
        assert re.fullmatch(rf"{re.escape(server.url)}/s/[\w-]{{12}}", share)
        assert "/edit?token=" in page.get_attribute("#edit-link", "href")

        # The shared page: its map draws the extract's basemap (tiles are off), and each
        # sign-up radio sits beside its words, on one line.
        page.goto(share)
        page.wait_for_selector("#session-map[data-basemap=drawn]")
        assert page.locator("#session-map .leaflet-basemap-pane path").count() > 0
        for role in ("needs_spotter", "can_spot"):
            radio = page.locator(f"input[name=role][value={role}]").bounding_box()
            label = page.locator(f"label.radio:has(input[value={role}])").bounding_box()
            assert radio["width"] < 30 and label["height"] < 2.5 * radio["height"]
            assert abs((radio["y"] + radio["height"] / 2)
                       - (label["y"] + label["height"] / 2)) < 4
        assert organiser.errors == [] and organiser.outside(server.url) == []

        # Two people sign up from the shared link, each in their own browser.
        runner_context, runner, runner_log = _sign_up(browser, share, "Runner Ann",
                                                      "needs_spotter")
        contexts.append(runner_context)
        assert "no spotter is free yet" in runner.inner_text("#you")
        assert runner.inner_text("#unpaired").startswith("1 runner still needs")

        spotter_context, spotter, spotter_log = _sign_up(browser, share, "Spotter Bo",
                                                         "can_spot")
        contexts.append(spotter_context)
        assert "paired with Runner Ann" in spotter.inner_text("#you")
        assert spotter.inner_text("#pairs") == "Runner Ann is spotted by Spotter Bo"
        assert spotter.inner_text("#unpaired").startswith("0 runners still need")
        runner.reload()
        assert "paired with Spotter Bo" in runner.inner_text("#you")
        # The shared page's map: the venue and the meeting point, drawn by sessions.js.
        assert runner.evaluate("(m) => m.sessionMap !== null", module(runner, "sessions.js"))
        assert runner.locator("#session-map .leaflet-overlay-pane path").count() == 2
        for log in (runner_log, spotter_log):
            assert log.errors == [] and log.outside(server.url) == []

        # Both calendar files parse: the session's, and the club's feed.
        event = _calendar(f"{share}.ics").walk("VEVENT")[0]
        assert str(event["SUMMARY"]) == "Tuesday backwards"
        assert event.get("GEO") is not None
        feed = _calendar(f"{server.url}/c/{club}.ics")
        assert [str(e["SUMMARY"]) for e in feed.walk("VEVENT")] == ["Tuesday backwards"]
    finally:
        for context in contexts:
            context.close()


def test_the_small_map_draws_the_extract_when_tiles_are_unreachable(
        make_app, browser: Any) -> None:  # noqa: F811
    """As the map page does: a tile server that refuses leaves no grey field."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    live = LiveServer(make_app(tiny_region_with_room(usable_area_m2=12000.0),
                               tiles=f"http://127.0.0.1:{dead}/{{z}}/{{x}}/{{y}}.png"))
    context, page, recorder = _open(browser, f"{live.url}/sessions/new?venue=way/1")
    try:
        page.wait_for_selector("#session-map[data-basemap=drawn]")
        assert page.locator("#session-map .leaflet-basemap-pane path").count() > 0
        assert "Tiles unreachable" in page.inner_text("#session-map .leaflet-control-attribution")
        assert any("/api/basemap?" in url for url in recorder.requests)
        # Only the refused tiles failed.
        assert [e for e in recorder.errors
                if f":{dead}/" not in e and "ERR_CONNECTION_REFUSED" not in e] == []
    finally:
        context.close()
        live.stop()
