"""End to end in real headless Chromium (Debian's, driven by Playwright for Python).

The app runs in a thread (werkzeug ``make_server`` on 127.0.0.1, port 0) on the embedded
Helsinki region with tiles off, so that every request the page makes can be required to go
to the app itself. Skips (one-line reason) without Chromium, Playwright or the vendor assets;
under ``CI=true`` those skips fail instead.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask

from venuefinder.config import Settings
from venuefinder.web import assets, create_app

from .e2e_support import skip_or_fail
from .regions import synthetic_region

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FIRST_PAGE_BUDGET = 1_000_000
#: Where "near me" is (the fake geolocation): Helsinki railway station square.
HERE = {"latitude": 60.1699, "longitude": 24.9384}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"{CHROMIUM} not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright (Python) is not installed")
    missing = assets.missing_vendor_files()
    if missing:
        skip_or_fail(f"vendor assets missing ({', '.join(missing)}): {assets.INSTALL_COMMAND}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class LiveServer:
    """An app served on 127.0.0.1 in a background thread."""

    def __init__(self, app: Flask) -> None:
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def helsinki_server(tmp_path_factory: pytest.TempPathFactory, browser) -> Iterator[LiveServer]:
    """The real embedded Helsinki region, prepared by the app factory itself."""
    cache = tmp_path_factory.mktemp("e2e-cache")
    app = create_app(Settings(cache_dir=cache, tiles="none", rate_limit="none"))
    server = LiveServer(app)
    yield server
    server.stop()


class Recorder:
    """Every request a page makes, the bytes of each response, and any page error."""

    def __init__(self, page: Any) -> None:
        self.requests: list[str] = []
        self.sizes: dict[str, int] = {}
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("response", self._response)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(
            f"console: {msg.text}"))
        page.on("requestfailed", self._failed)

    def _failed(self, request: Any) -> None:
        # The page aborts its own superseded requests (a newer view replaces an older one).
        if "ERR_ABORTED" not in (request.failure or ""):
            self.errors.append(f"failed: {request.url} {request.failure}")

    def _response(self, response: Any) -> None:
        try:
            self.sizes[response.url] = len(response.body())
        except Exception:  # a redirect or aborted request has no body
            self.sizes.setdefault(response.url, 0)

    def outside(self, origin: str) -> list[str]:
        return [u for u in self.requests
                if not (u.startswith(origin + "/") or u.startswith("data:"))]

    def total_bytes(self) -> int:
        return sum(self.sizes.values())


def _new_page(browser: Any, **context_options: Any) -> tuple[Any, Any, Recorder]:
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page, Recorder(page)


def module(page: Any, path: str) -> Any:
    """A handle on one of the page's ES modules (``js/page.js``: what the map page holds,
    ``js/map.js``: the Leaflet map, ``js/routes.js``, ``js/hazards.js``, ``sessions.js``):
    the instance the page runs, since a module is evaluated once per URL."""
    return page.evaluate_handle(f"() => import('/static/{path}')")


def _wait_ready(page: Any) -> None:
    """The list is filled and the map has drawn its first venues."""
    page.wait_for_function(
        "(vf) => document.querySelectorAll('#results li').length > 0"
        " && vf.state.viewIds.length > 0", arg=module(page, "js/page.js"))
    page.wait_for_load_state("networkidle")


def _wait_map_still(page: Any) -> None:
    """Wait until the map has stopped moving and its view requests are answered.

    Why: an earlier animated fly-to may still be running; a pixel computed during it points
    somewhere else once it ends.
    """
    page.wait_for_function(
        """(m) => new Promise(resolve => {
            const map = m.map;
            const centre = map.getCenter(), zoom = map.getZoom();
            setTimeout(() => resolve(!map._animatingZoom && map.getZoom() === zoom
                                     && map.getCenter().equals(centre)), 400);
        })""", arg=module(page, "js/map.js"))
    page.wait_for_load_state("networkidle")


def _active(page: Any) -> str:
    return page.evaluate(
        "() => { const a = document.activeElement;"
        " return a.id || a.className || a.tagName.toLowerCase(); }")


def test_map_journey(browser: Any, helsinki_server: LiveServer) -> None:
    origin = helsinki_server.url
    region = helsinki_server.server.app.extensions["venuefinder"]
    context, page, rec = _new_page(browser, viewport={"width": 1280, "height": 800},
                                   geolocation=HERE, permissions=["geolocation"])
    # Deny the browser any way out: a request outside the app would fail loudly here too.
    context.route(lambda url: not url.startswith(origin), lambda route: route.abort())
    try:
        page.goto(origin + "/")
        _wait_ready(page)

        # First page: everything loaded at start-up stays under 1 MB.
        first_bytes = rec.total_bytes()
        assert first_bytes < FIRST_PAGE_BUDGET, rec.sizes
        assert page.locator(".leaflet-container canvas").count() >= 1
        vf = module(page, "js/page.js")
        drawn = page.evaluate("(vf) => vf.state.viewIds.length", vf)
        assert drawn == len(region.venues) or drawn > 10

        # Keyboard: the focus order follows the page (skip link, search, filters).
        page.keyboard.press("Tab")
        assert _active(page) == "skip-link"
        order = []
        for _ in range(6):
            page.keyboard.press("Tab")
            order.append(_active(page))
        assert order == ["q", "search-button", "near-me", "min-score", "kind", "radius"]

        # Search a place by name (offline place index).
        page.fill("#q", "Rautatientori")
        page.press("#q", "Enter")
        page.wait_for_function(
            "() => document.getElementById('origin-label').textContent === 'Rautatientori'"
            " && /within/.test(document.getElementById('status').textContent)")
        page.wait_for_load_state("networkidle")
        items = page.locator("#results .venue-item")
        assert items.count() > 0
        names = items.all_inner_texts()
        assert names[0].startswith("1. ")

        # Open the first one from the list with the keyboard: its reasons are shown.
        first_id = items.first.get_attribute("data-id")
        items.first.focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("#detail:not([hidden])")
        detail = page.inner_text("#detail")
        feature = region.venue(first_id)["properties"]
        for label in ("Flatness", "Traffic", "Surface"):
            assert label in detail
        for reason in feature["reasons"].values():
            assert reason in detail
        assert "from Rautatientori" in detail
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert feature["label"] in popup.inner_text()
        assert items.first.get_attribute("aria-current") == "true"

        # Click a venue on the map itself (canvas hit-testing): the panel shows that venue.
        # The smallest listed venue is drawn on top of any park around it, so a click on a
        # point inside it (shapely's point on surface) must land on it.
        import shapely
        from shapely.geometry import shape

        listed = page.evaluate("(vf) => vf.state.listIds", vf)
        target_id = min(listed, key=lambda vid: region.venue(vid)["properties"]["area_m2"])
        inside = shapely.point_on_surface(shape(region.venue(target_id)["geometry"]))
        _wait_map_still(page)  # the fly-to of the list click must end first
        leaflet = module(page, "js/map.js")
        page.evaluate(
            """([vf, m, id]) => {
                m.map.closePopup();
                const bounds = L.geoJSON(vf.state.features.get(id)).getBounds();
                m.map.fitBounds(bounds, {maxZoom: 18, animate: false});
            }""", [vf, leaflet, target_id])
        _wait_map_still(page)
        target = page.evaluate(
            """([m, lat, lon]) => {
                const c = m.map.latLngToContainerPoint([lat, lon]);
                const box = m.map.getContainer().getBoundingClientRect();
                return {x: box.left + c.x, y: box.top + c.y};
            }""", [leaflet, inside.y, inside.x])
        page.mouse.click(target["x"], target["y"])
        page.wait_for_function(
            "([vf, id]) => vf.state.selectedId === id", arg=[vf, target_id], timeout=5000)
        clicked = region.venue(target_id)["properties"]
        assert clicked["label"] in page.inner_text("#detail")

        # Coordinates out of range: the API's message (the CLI's) is shown, nothing breaks.
        page.fill("#q", "95, 24.9")
        page.press("#q", "Enter")
        page.wait_for_function(
            "() => /outside -90..90/.test(document.getElementById('status').textContent)")
        # The rejected point is not adopted: the searched point and the list stay.
        assert page.evaluate("(vf) => vf.state.origin.label", vf) == "Rautatientori"
        assert page.inner_text("#origin-label") == "Rautatientori"
        assert page.locator("#results .venue-item").count() > 0
        # The browser logs the 400 it was given; that one is expected.
        rec.errors = [e for e in rec.errors if "status of 400" not in e]

        # Near me: the browser's (granted, fake) position becomes the searched point.
        page.click("#near-me")
        page.wait_for_function(
            "() => document.getElementById('origin-label').textContent === 'your location'"
            " && /within/.test(document.getElementById('status').textContent)")
        here = page.evaluate("(vf) => vf.state.origin", vf)
        assert abs(here["lat"] - HERE["latitude"]) < 1e-6
        assert abs(here["lon"] - HERE["longitude"]) < 1e-6
        page.wait_for_load_state("networkidle")
        assert page.locator("#results .venue-item").count() > 0

        # Filters: green only.
        page.select_option("#min-score", "75")
        page.wait_for_load_state("networkidle")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#results .badge')]"
            ".every(b => Number(b.textContent) >= 75)")

        # Leave a picture of the map with a venue open for people to look at.
        page.select_option("#min-score", "")
        page.wait_for_load_state("networkidle")
        page.locator("#results .venue-item").first.click()
        page.wait_for_selector(".leaflet-popup-content")
        _wait_map_still(page)  # the fly-to and the popup's auto-pan, then their requests
        _wait_map_still(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map.png"))

        assert rec.outside(origin) == [], rec.outside(origin)
        assert not rec.errors, rec.errors
    finally:
        context.close()


def test_phone_layout(browser: Any, helsinki_server: LiveServer) -> None:
    origin = helsinki_server.url
    context, page, rec = _new_page(browser, viewport={"width": 390, "height": 844},
                                   device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        page.goto(origin + "/")
        _wait_ready(page)
        layout = page.evaluate("""() => ({
            scroll: document.documentElement.scrollWidth, width: window.innerWidth,
            map: document.querySelector('.map-area').getBoundingClientRect(),
            search: document.querySelector('#q').getBoundingClientRect()})""")
        assert layout["scroll"] <= layout["width"]  # no sideways scrolling
        assert layout["map"]["height"] >= 300 and layout["map"]["width"] >= 380
        assert layout["search"]["top"] < layout["map"]["top"]  # search, then map, then list
        page.locator("#results .venue-item").first.scroll_into_view_if_needed()
        page.locator("#results .venue-item").first.click()
        page.wait_for_selector(".leaflet-popup-content")
        # Tapping a list item brings the map (above the list) into view with the venue.
        page.wait_for_function(
            "() => Math.abs(document.querySelector('.map-area').getBoundingClientRect().top)"
            " < 2")
        _wait_map_still(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map-phone.png"))
        assert rec.outside(origin) == []
        assert not rec.errors, rec.errors
    finally:
        context.close()


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory, browser) -> Iterator[LiveServer]:
    settings = Settings(cache_dir=tmp_path_factory.mktemp("big"), tiles="none",
                        rate_limit="none")
    server = LiveServer(create_app(settings, synthetic_region(5000)))
    yield server
    server.stop()


def test_5000_venues_first_page_small_and_responsive(browser: Any,
                                                     big_server: LiveServer) -> None:
    origin = big_server.url
    context, page, rec = _new_page(browser, viewport={"width": 1920, "height": 1080})
    try:
        started = time.perf_counter()
        page.goto(origin + "/")
        _wait_ready(page)
        load_s = time.perf_counter() - started
        assert rec.total_bytes() < FIRST_PAGE_BUDGET, rec.sizes
        assert load_s < 10
        vf = module(page, "js/page.js")
        assert page.evaluate("(vf) => vf.state.viewIds.length", vf) <= 150

        # Responsive: a pan fetches and draws the new view quickly, and the page answers.
        before = set(page.evaluate("(vf) => vf.state.viewIds", vf))
        started = time.perf_counter()
        with page.expect_response(lambda r: "/api/venues?" in r.url) as answer:
            page.evaluate("(m) => { m.map.panBy([600, 300], {animate: false}); }",
                          module(page, "js/map.js"))
        assert answer.value.ok  # the new view was fetched from the API...
        page.wait_for_function(  # ...and drawn
            "([vf, before]) => vf.state.viewIds.some(id => !before.includes(id))",
            arg=[vf, sorted(before)])
        pan_s = time.perf_counter() - started
        assert pan_s < 5
        started = time.perf_counter()
        page.evaluate("() => 1")
        assert time.perf_counter() - started < 0.5
        assert rec.outside(origin) == []
        assert not rec.errors, rec.errors
    finally:
        context.close()



def test_unreachable_tiles_fall_back_to_the_extract_basemap(
        browser: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Offline, the tile server refuses: the page draws the extract's own map instead of a
    grey field, and says so."""
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    cache = tmp_path_factory.mktemp("e2e-tiles-cache")
    app = create_app(Settings(cache_dir=cache, rate_limit="none",
                              tiles=f"http://127.0.0.1:{dead}/{{z}}/{{x}}/{{y}}.png"))
    server = LiveServer(app)
    context, page, rec = _new_page(browser, viewport={"width": 1280, "height": 800})
    try:
        page.goto(server.url + "/")
        _wait_ready(page)
        page.wait_for_function(
            "(vf) => vf.state.tilesFailed && document.body.classList.contains('tiles-failed')",
            arg=module(page, "js/page.js"))
        page.wait_for_function(
            "(m) => Object.keys(m.layers.basemap._layers).length > 0",
            arg=module(page, "js/map.js"))
        assert any("/api/basemap?" in url for url in rec.requests)
    finally:
        context.close()
        server.stop()
