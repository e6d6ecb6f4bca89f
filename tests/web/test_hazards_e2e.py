"""End to end in Debian's headless Chromium: report a pothole on a venue by clicking the
map, see the venue's hazards reason and colour change in the popup and the list, mark it
gone from two clients, see it recover; and ``<script>`` in a description stays text.

The app serves the tiny region (tiles off: no request leaves 127.0.0.1) with a new SQLite
store. Two people are two browser contexts; a small WSGI wrapper gives the second one
another client address (a test header), as two people on two networks would have.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from .regions import tiny_region
from .test_e2e import LiveServer, Recorder, browser, module  # noqa: F401 (the fixture)

pytestmark = pytest.mark.e2e

CLIENT_HEADER = "HTTP_X_TEST_CLIENT"
SCRIPT = "<script>window.pwned = 1</script><img src=x onerror=window.pwned=2>"


def as_other_client(app: Callable) -> Callable:
    """WSGI wrapper: a request with ``X-Test-Client: <address>`` comes from that address."""

    def wrapped(environ: dict[str, Any], start_response: Callable) -> Any:
        if CLIENT_HEADER in environ:
            environ["REMOTE_ADDR"] = environ[CLIENT_HEADER]
        return app(environ, start_response)

    return wrapped


@pytest.fixture
def server(make_app, browser) -> Iterator[LiveServer]:  # noqa: F811
    app = make_app(tiny_region())
    app.wsgi_app = as_other_client(app.wsgi_app)
    live = LiveServer(app)
    yield live
    live.stop()


def _open(browser: Any, url: str, **options: Any) -> tuple[Any, Any, Recorder]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 800}, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    recorder = Recorder(page)
    page.goto(url)
    _search_kaivo(page)
    return context, page, recorder


def _search_kaivo(page: Any) -> None:
    """Search Kaivo Field's coordinates: the list and the view centre on it."""
    page.wait_for_function("(hazards) => hazards.state.features !== undefined",
                           arg=module(page, "js/hazards.js"))
    page.fill("#q", "60.17, 24.94")
    page.click("#search-button")
    page.wait_for_function("() => document.querySelector('#results [data-id=\"way/1\"]')")
    page.wait_for_load_state("networkidle")


def _badge(page: Any) -> str:
    return page.get_attribute('#results [data-id="way/1"] .badge', "class")


def _click_kaivo(page: Any) -> None:
    """Click the map inside Kaivo Field (way/1), 40 m from its centre."""
    point = page.evaluate("""(m) => {
        const map = m.map;
        const p = map.latLngToContainerPoint([60.1703, 24.9405]);  // beside the searched point's marker
        const box = map.getContainer().getBoundingClientRect();
        return {x: box.left + p.x, y: box.top + p.y};
    }""", module(page, "js/map.js"))
    page.mouse.click(point["x"], point["y"])


def _popup_text(page: Any) -> str:
    return page.inner_text(".leaflet-popup-content")


def test_report_a_pothole_see_the_venue_change_then_recover(server: LiveServer,
                                                           browser: Any) -> None:  # noqa: F811
    context, page, recorder = _open(browser, server.url)
    try:
        assert _badge(page) == "badge good"
        page.click("#report-hazard")
        page.select_option("#hazard-kind", "pothole")
        page.select_option("#hazard-severity", "high")
        page.fill("#hazard-description", SCRIPT)
        _click_kaivo(page)
        assert page.is_enabled("#hazard-send")
        page.click("#hazard-send")
        page.wait_for_function("() => document.getElementById('status').textContent"
                               ".includes('your report of pothole')")
        # The list and the venue's popup, refreshed: no longer green, the reason says why.
        page.wait_for_function("() => !document.querySelector("
                               "'#results [data-id=\"way/1\"] .badge').classList.contains('good')")
        page.wait_for_function("() => document.querySelector('.leaflet-popup-content')"
                               " && document.querySelector('.leaflet-popup-content')"
                               ".textContent.includes('pothole')")
        assert "pothole" in page.inner_text("#detail-body")
        popup = _popup_text(page)
        assert "Kaivo Field" in popup and "pothole" in popup
        assert "good" not in page.get_attribute(".leaflet-popup-content .badge", "class")
        assert page.locator(".hazard-icon").count() == 1

        # The hazard's popup: its description is text, not markup.
        page.locator(".leaflet-popup-close-button").click()
        page.locator(".hazard-icon").click()
        card = page.locator(".leaflet-popup-content .hazard-card")
        assert card.locator(".description").inner_text() == SCRIPT
        assert card.locator("script, img").count() == 0
        assert "1 person says it is there" in card.inner_text()
        card.locator("button[data-action=gone]").click()
        page.wait_for_function("() => document.getElementById('status').textContent"
                               ".includes('one more')")
        assert page.locator(".hazard-icon").count() == 1  # one client is not enough

        # A second person says it is gone: the report closes, the venue recovers.
        other, second, second_recorder = _open(
            browser, server.url, extra_http_headers={"X-Test-Client": "10.0.0.2"})
        try:
            assert _badge(second) != "badge good"
            second.locator(".hazard-icon").click()
            second.locator(".leaflet-popup-content button[data-action=gone]").click()
            second.wait_for_function("() => document.getElementById('status').textContent"
                                     ".includes('closed')")
            second.wait_for_function("() => document.querySelector("
                                     "'#results [data-id=\"way/1\"] .badge').classList"
                                     ".contains('good')")
            assert second.locator(".hazard-icon").count() == 0
            assert second_recorder.errors == []
        finally:
            other.close()

        page.reload()
        _search_kaivo(page)
        assert _badge(page) == "badge good"
        page.click('#results [data-id="way/1"]')
        page.wait_for_selector(".leaflet-popup-content .venue-card")
        assert "No open hazard reports" in _popup_text(page)
        assert page.evaluate("() => window.pwned") is None
        assert recorder.errors == []
        assert recorder.outside(server.url) == []
    finally:
        context.close()
