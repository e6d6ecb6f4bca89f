"""The map's routes end to end in real headless Chromium (as :mod:`tests.web.test_e2e`):
the "Run a loop" panel draws loops with arrows and lists their warnings, the GPX link
downloads them, and a venue's popup offers the way there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from venuefinder.web import create_app

from .conftest import web_settings
from .test_e2e import ARTIFACTS, LiveServer, _new_page, _wait_map_still, _wait_ready, module
from .test_e2e import browser  # noqa: F401 (the fixture)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, browser) -> Iterator[LiveServer]:
    """The embedded Helsinki region, loaded by the app factory (graph and all)."""
    app = create_app(web_settings(tmp_path_factory.mktemp("routes-e2e")))
    live = LiveServer(app)
    yield live
    live.stop()


def test_loop_panel_draws_loops_and_downloads_gpx(browser: Any, server: LiveServer,
                                                  tmp_path: Path) -> None:
    import gpxpy

    origin = server.url
    context, page, rec = _new_page(browser, viewport={"width": 1280, "height": 800})
    context.route(lambda url: not url.startswith(origin), lambda route: route.abort())
    try:
        page.goto(origin + "/")
        _wait_ready(page)
        page.click("#loop-panel summary")
        assert page.inner_text("#loop-start") == "the region centre"
        page.select_option("#loop-length", "2000")
        page.check("#loop-lit")  # light asked for: the same loops whether or not it is dark
        with page.expect_response(lambda r: "/api/routes/loop?" in r.url) as answer:
            page.click("#loop-go")
        assert answer.value.ok
        page.wait_for_function(
            "() => document.querySelectorAll('#loop-list li').length > 0"
            " && /safest first/.test(document.getElementById('loop-status').textContent)")
        features = page.evaluate("(r) => r.state.features", module(page, "js/routes.js"))
        assert page.locator("#loop-list li").count() == len(features) >= 1
        best = features[0]["properties"]

        # Drawn: arrows every 200 m along the best loop, its direction in the legend.
        arrows = page.locator(".route-arrow").count()
        assert arrows == int((best["length_m"] - 100) // 200) + 1
        assert f"run it {best['direction']}" in page.inner_text(".route-legend")
        detail = page.inner_text("#loop-detail")
        assert best["warnings"] and best["reasons"]  # the centre's loops cross streets
        for warning in best["warnings"]:
            assert warning in detail
        for reason in best["reasons"].values():
            assert reason in detail

        # Alternatives: another one can be chosen from the list (2 km from the centre has
        # three).
        assert len(features) > 1
        page.locator("#loop-list .route-item").nth(1).click()
        assert page.evaluate("(r) => r.state.chosen", module(page, "js/routes.js")) == 1
        assert page.locator("#loop-list .route-item").nth(1).get_attribute(
            "aria-current") == "true"
        assert "Loop 2" in page.inner_text("#loop-detail")

        # GPX download of the same loops, in running order.
        with page.expect_download() as download:
            page.click("#loop-gpx")
        assert download.value.suggested_filename == "loops.gpx"
        saved = tmp_path / "loops.gpx"
        download.value.save_as(saved)
        gpx = gpxpy.parse(saved.read_text(encoding="utf-8"))
        assert len(gpx.tracks) == len(features)
        points = [(p.longitude, p.latitude) for p in gpx.tracks[0].segments[0].points]
        line = features[0]["geometry"]["coordinates"]
        assert len(points) == len(line)
        assert max(abs(a - b) for p, c in zip(points, line) for a, b in zip(p, c)) <= 1e-6

        _wait_map_still(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map-loop.png"))
        assert rec.outside(origin) == [], rec.outside(origin)
        assert not rec.errors, rec.errors
    finally:
        context.close()


def test_way_there_from_a_venue_popup(browser: Any, server: LiveServer) -> None:
    origin = server.url
    api = server.server.app.test_client()
    context, page, rec = _new_page(browser, viewport={"width": 1280, "height": 800})
    try:
        page.goto(origin + "/")
        _wait_ready(page)
        # The first listed venue with a way there from the centre (one may be right here).
        start = page.evaluate("(vf) => vf.state.origin", module(page, "js/page.js"))
        listed = page.evaluate("(vf) => vf.state.listIds", module(page, "js/page.js"))
        venue_id = next(vid for vid in listed if api.get(
            f"/api/routes/to?lat={start['lat']:.6f}&lon={start['lon']:.6f}&venue={vid}"
        ).status_code == 200)
        page.locator(f'#results .venue-item[data-id="{venue_id}"]').click()
        button = page.locator(".leaflet-popup-content .way-there")
        button.wait_for()
        with page.expect_response(lambda r: "/api/routes/to?" in r.url) as answer:
            button.click()
        assert answer.value.ok
        assert f"venue={venue_id.replace('/', '%2F')}" in answer.value.url
        page.wait_for_function("(r) => r.state.kind === 'way_to'",
                               arg=module(page, "js/routes.js"))
        assert page.evaluate("() => document.getElementById('loop-panel').open")
        assert "Way there to" in page.inner_text("#loop-detail")
        assert "walk it forwards" in page.inner_text(".route-legend")
        assert page.locator("#loop-gpx").is_hidden()  # GPX is for loops
        line = page.evaluate("(r) => r.state.features[0]", module(page, "js/routes.js"))
        assert line["properties"]["kind"] == "way_to"
        assert not rec.errors, rec.errors
    finally:
        context.close()
