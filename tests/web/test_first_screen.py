"""The first screen shows the answer (issue 15), in Debian's headless Chromium at a laptop's
1366×768 and a phone's 390×844: the hazard form stays closed until asked for, the first
place of the list is on screen after a search, a venue's popup opens fully visible wherever
the venue lies on the map, the search box's example is a place of the loaded region, and
"Near me" far from the region says where the map is.
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterator

import pytest

from .regions import tiny_region
from .test_e2e import (LiveServer, _new_page, _wait_map_still, _wait_ready,  # noqa: F401
                       browser, helsinki_server, module)

pytestmark = pytest.mark.e2e

SIZES = {
    "laptop": {"viewport": {"width": 1366, "height": 768}},
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
              "is_mobile": True, "has_touch": True},
}
#: A search with other places of the same name: their buttons take room above the list.
CROWDED_SEARCH = "Rautatientori"
#: Berlin: about 1,100 km from the embedded Helsinki extract and from the tiny region.
FAR_AWAY = {"latitude": 52.52, "longitude": 13.405}

#: Whether the element is inside the window and not covered: the points a little inside its
#: corners and its centre hit the element itself (or *within*, a selector of an ancestor).
UNCOVERED = """([node, within]) => {
    const box = node.getBoundingClientRect();
    const owner = within ? node.closest(within) : node;
    const inset = 3;
    const points = [[box.left + inset, box.top + inset], [box.right - inset, box.top + inset],
                    [box.left + inset, box.bottom - inset], [box.right - inset, box.bottom - inset],
                    [(box.left + box.right) / 2, (box.top + box.bottom) / 2]];
    const inside = box.top >= 0 && box.left >= 0 && box.bottom <= window.innerHeight
                   && box.right <= window.innerWidth;
    const hits = points.map(([x, y]) => {
        const hit = document.elementFromPoint(x, y);
        return hit ? (owner.contains(hit) ? "ok" : hit.className || hit.tagName) : "outside";
    });
    return {inside, hits, box: [box.left, box.top, box.right, box.bottom]};
}"""


def _uncovered(page: Any, selector: str, within: str | None = None) -> dict[str, Any]:
    return page.evaluate(UNCOVERED, [page.locator(selector).first.element_handle(), within])


def _assert_visible(page: Any, selector: str, within: str | None = None) -> None:
    seen = _uncovered(page, selector, within)
    assert seen["inside"], f"{selector} at {seen['box']} is outside {page.viewport_size}"
    assert set(seen["hits"]) == {"ok"}, f"{selector} is covered: {seen['hits']}"


def _wait_list(page: Any) -> None:
    """The first list is answered (around the tiny region's centre it may be empty)."""
    page.wait_for_function("() => /within/.test(document.getElementById('status').textContent)")
    page.wait_for_load_state("networkidle")


def _search(page: Any, text: str) -> None:
    page.fill("#q", text)
    page.press("#q", "Enter")
    page.wait_for_function(
        "(text) => document.getElementById('origin-label').textContent === text"
        " && /within/.test(document.getElementById('status').textContent)", arg=text)
    page.wait_for_load_state("networkidle")


@pytest.fixture
def tiny_server(make_app, browser) -> Iterator[LiveServer]:  # noqa: F811
    live = LiveServer(make_app(tiny_region()))
    yield live
    live.stop()


@pytest.mark.parametrize("size", SIZES)
def test_the_hazard_form_stays_closed_until_asked_for(browser: Any, tiny_server: LiveServer,
                                                     size: str) -> None:  # noqa: F811
    context, page, rec = _new_page(browser, **SIZES[size])
    try:
        page.goto(tiny_server.url + "/")
        _wait_list(page)
        assert not page.is_visible("#hazard-form")
        page.click("#report-hazard")
        assert page.is_visible("#hazard-form")
        assert page.get_attribute("#report-hazard", "aria-pressed") == "true"
        page.click("#report-hazard")
        assert not page.is_visible("#hazard-form")
        page.click("#report-hazard")
        page.click("#hazard-cancel")
        assert not page.is_visible("#hazard-form")
        assert page.get_attribute("#report-hazard", "aria-pressed") == "false"
        assert not rec.errors, rec.errors
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_after_a_search_the_first_place_is_on_the_first_screen(
        browser: Any, helsinki_server: LiveServer, size: str) -> None:  # noqa: F811
    context, page, rec = _new_page(browser, **SIZES[size])
    try:
        page.goto(helsinki_server.url + "/")
        _wait_ready(page)
        _search(page, CROWDED_SEARCH)
        assert page.is_visible("#suggestions")  # the crowded case: other places offered
        _assert_visible(page, "#results .venue-item")
        assert page.inner_text("#results .venue-item").startswith("1. ")
        if size == "phone":  # the map of the answer is on the same screen, above the list
            assert page.locator(".map-area").bounding_box()["y"] >= -1
        assert not rec.errors, rec.errors
    finally:
        context.close()


#: Where on the visible part of the map the venue is put before it is clicked: container
#: pixels from the edges (top-left clear of the zoom buttons, bottom clear of the credits).
EDGES = {
    "top-left": "[60, top + 14]",
    "right": "[width - 20, (top + bottom) / 2]",
    "bottom": "[width / 2, bottom - 32]",
}


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("size", SIZES)
def test_a_venue_near_the_maps_edge_opens_its_popup_fully_visible(
        browser: Any, helsinki_server: LiveServer, size: str, edge: str) -> None:  # noqa: F811
    import shapely
    from shapely.geometry import shape

    region = helsinki_server.server.app.extensions["venuefinder"]
    context, page, rec = _new_page(browser, **SIZES[size])
    try:
        page.goto(helsinki_server.url + "/")
        _wait_ready(page)
        _search(page, CROWDED_SEARCH)
        _wait_map_still(page)
        vf, leaflet = module(page, "js/page.js"), module(page, "js/map.js")
        # The smallest listed venue is drawn above any park around it: a click on a point
        # inside it lands on it.
        listed = page.evaluate("(vf) => vf.state.listIds", vf)
        target = min(listed, key=lambda vid: region.venue(vid)["properties"]["area_m2"])
        inside = shapely.point_on_surface(shape(region.venue(target)["geometry"]))
        where = page.evaluate(
            """([m, lat, lon]) => {
                const map = m.map;
                map.closePopup();
                const box = map.getContainer().getBoundingClientRect();
                const width = box.width;
                const top = Math.max(0, -box.top);
                const bottom = Math.min(box.height, window.innerHeight - box.top);
                const [x, y] = %s;
                map.setView([lat, lon], 18, {animate: false});
                const p = map.latLngToContainerPoint([lat, lon]);
                map.panBy([p.x - x, p.y - y], {animate: false});
                return {x: box.left + x, y: box.top + y};
            }""" % EDGES[edge], [leaflet, inside.y, inside.x])
        _wait_map_still(page)
        page.mouse.click(where["x"], where["y"])
        page.wait_for_function("([vf, id]) => vf.state.selectedId === id", arg=[vf, target])
        page.wait_for_selector(".leaflet-popup-content .venue-card h3")
        _wait_map_still(page)  # the popup's auto-pan
        label = region.venue(target)["properties"]["label"]
        assert page.inner_text(".leaflet-popup-content .venue-card h3") == label
        _assert_visible(page, ".leaflet-popup-content .venue-card h3", ".leaflet-popup")
        _assert_visible(page, ".leaflet-popup-close-button")
        _assert_visible(page, ".leaflet-popup-content-wrapper", ".leaflet-popup")
        assert not rec.errors, rec.errors
    finally:
        context.close()


def test_the_search_example_is_a_place_of_the_loaded_region(
        browser: Any, helsinki_server: LiveServer) -> None:  # noqa: F811
    context, page, rec = _new_page(browser, **SIZES["laptop"])
    try:
        page.goto(helsinki_server.url + "/")
        _wait_ready(page)
        example = re.fullmatch(r"e\.g\. (.+)", page.get_attribute("#q", "placeholder"))
        assert example, page.get_attribute("#q", "placeholder")
        _search(page, example[1])  # found by the page's own search
        assert page.locator("#results .venue-item").count() > 0
        coordinates = re.search(r"e\.g\. (-?[\d.]+), (-?[\d.]+)\.$", page.inner_text("#q-help"))
        assert coordinates, page.inner_text("#q-help")
        west, south, east, north = helsinki_server.server.app.extensions["venuefinder"].bounds
        assert south <= float(coordinates[1]) <= north and west <= float(coordinates[2]) <= east
        assert not rec.errors, rec.errors
    finally:
        context.close()


def test_near_me_far_from_the_region_says_where_the_map_is(browser: Any,
                                                           tiny_server: LiveServer) -> None:  # noqa: F811
    region = tiny_server.server.app.extensions["venuefinder"]
    context, page, rec = _new_page(browser, **SIZES["laptop"], geolocation=FAR_AWAY,
                                   permissions=["geolocation"])
    try:
        page.goto(tiny_server.url + "/")
        _wait_list(page)
        before = page.evaluate("(vf) => [vf.state.origin, vf.state.listIds]",
                               module(page, "js/page.js"))
        page.click("#near-me")
        page.wait_for_function(
            "() => /This map covers/.test(document.getElementById('status').textContent)")
        status = page.inner_text("#status")
        west, south, east, north = region.bounds
        lats = f"{math.floor(south * 100) / 100:.2f}–{math.ceil(north * 100) / 100:.2f} N"
        lons = f"{math.floor(west * 100) / 100:.2f}–{math.ceil(east * 100) / 100:.2f} E"
        # The region is named after its extract ("tiny-test-region").
        assert f"This map covers Tiny Test Region ({lats}, {lons})" in status
        away = re.search(r"you are ([\d,]+) km away", status)
        assert away and 1000 < float(away[1].replace(",", "")) < 1200, status  # to Berlin
        assert "No places" not in status
        # The map and the list stay on the region.
        assert page.evaluate("(vf) => [vf.state.origin, vf.state.listIds]",
                             module(page, "js/page.js")) == before
        assert not rec.errors, rec.errors
    finally:
        context.close()
