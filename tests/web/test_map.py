"""The map page as HTML: self-contained, accessible markup, no embedded venues, small."""

from __future__ import annotations

import json
import logging
import re
import time
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient

from venuefinder.region import Region
from venuefinder.web import assets

from .regions import tiny_region

FIRST_PAGE_BUDGET = 1_000_000  # bytes


class PageParser(HTMLParser):
    """Collects what a browser would load, the form controls and their labels."""

    def __init__(self) -> None:
        super().__init__()
        self.resources: list[str] = []
        self.ids: dict[str, str] = {}
        self.label_for: set[str] = set()
        self.controls: list[dict[str, Any]] = []
        self.scripts: list[dict[str, Any]] = []
        self._in_config = False
        self.config_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids[a["id"]] = tag
        if tag == "script":
            self.scripts.append(a)
            if a.get("src"):
                self.resources.append(a["src"])
            self._in_config = a.get("id") == "vf-config"
        elif tag == "link" and a.get("href"):
            self.resources.append(a["href"])
        elif tag in ("img", "iframe", "source", "embed") and a.get("src"):
            self.resources.append(a["src"])
        elif tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea"):
            self.controls.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_config = False

    def handle_data(self, data: str) -> None:
        if self._in_config:
            self.config_text += data


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


@pytest.fixture
def vendored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Vendor files the page links, present (empty) in a folder of their own: the tests
    that check the map itself run whether or not ``make assets`` has run here."""
    folder = tmp_path / "vendor"
    for _, path in assets.FOLIUM_JS + assets.FOLIUM_CSS:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).touch()
    monkeypatch.setattr(assets, "VENDOR_DIR", folder)
    assert assets.missing_vendor_files() == []
    return folder


@pytest.fixture
def page(client: FlaskClient) -> tuple[Any, str, PageParser]:
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return response, html, parse(html)


def test_page_is_html_with_the_map_and_config(vendored, page) -> None:
    response, html, parsed = page
    assert response.mimetype == "text/html"
    config = json.loads(parsed.config_text)
    assert parsed.ids.get(config["mapName"]) == "div"  # folium's map div
    assert f"var {config['mapName']} = L.map(" in html
    assert "prefer_canvas" not in html and '"preferCanvas": true' in html
    assert config["api"] == {"venues": "/api/venues", "places": "/api/places",
                             "basemap": "/api/basemap"}
    assert config["tilesEnabled"] is False and config["hasBasemap"] is True
    assert "/static/app.js" in parsed.resources and "/static/app.css" in parsed.resources


def test_page_loads_nothing_from_outside(page) -> None:
    response, html, parsed = page
    for url in parsed.resources:
        assert url.startswith("/") and not url.startswith("//") or url.startswith("data:"), url
    for host in ("cdn.jsdelivr.net", "code.jquery.com", "cdnjs.cloudflare.com",
                 "netdna.bootstrapcdn.com", "tile.openstreetmap.org", "fontawesome",
                 "bootstrap"):
        assert host not in html
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    assert "img-src 'self' data:;" in csp  # no tile server when tiles are off
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    inline = [s for s in parsed.scripts if not s.get("src") and s.get("type") != "application/json"]
    assert all(s.get("nonce") == nonce for s in inline)


def test_nonce_changes_per_request(client: FlaskClient) -> None:
    first = client.get("/").headers["Content-Security-Policy"]
    assert first != client.get("/").headers["Content-Security-Policy"]


def test_page_with_tiles_uses_configured_url_and_attribution(make_app, vendored) -> None:
    app = make_app(tiles="https://{s}.tiles.example.org/{z}/{x}/{y}.png",
                   tiles_attribution="Example tiles")
    response = app.test_client().get("/")
    html = response.get_data(as_text=True)
    config = json.loads(parse(html).config_text)
    assert config["tilesEnabled"] is True and config["attribution"] == "Example tiles"
    assert "https://{s}.tiles.example.org/{z}/{x}/{y}.png" in html
    assert "img-src 'self' data: https://*.tiles.example.org;" in (
        response.headers["Content-Security-Policy"])


def test_page_embeds_no_venues(page, region) -> None:
    _, html, _ = page
    for name in region.venues["name"].dropna():
        assert name not in html
    assert "way/1" not in html


def test_every_control_has_a_label(page) -> None:
    _, _, parsed = page
    assert {c.get("id") for c in parsed.controls} >= {"q", "min-score", "kind", "radius"}
    for control in parsed.controls:
        assert control.get("id") in parsed.label_for, control


def test_page_content(page, region) -> None:
    _, html, parsed = page
    for kind in region.kinds:
        assert f'<option value="{kind}">' in html
    assert 'id="near-me"' in html and 'role="search"' in html
    assert 'aria-live="polite"' in html and 'lang="en"' in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "user-scalable=no" not in html  # folium's default would block zooming on phones
    for tip in ("Walk backwards first", "1-minute intervals at half speed", "Bring a friend",
                "looks ahead for you", "Avoid slopes"):
        assert tip in html
    # Distance choices up to the maximum radius, the default selected.
    assert '<option value="2000" selected>2 km</option>' in html
    assert '<option value="20000">20 km</option>' in html
    # Legend text (inline, beside the list).
    assert "75–100" in html and "50–74" in html and "below 50" in html


def test_static_files_are_served(client: FlaskClient) -> None:
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "javascript" in js.mimetype
    assert client.get("/static/app.css").mimetype == "text/css"


def test_vendor_files_are_served_when_installed(client: FlaskClient) -> None:
    missing = assets.missing_vendor_files()
    if missing:
        from .e2e_support import skip_or_fail

        skip_or_fail(f"vendor assets not installed ({assets.INSTALL_COMMAND})")
    response = client.get("/static/vendor/leaflet/leaflet.js")
    assert response.status_code == 200 and b"Leaflet" in response.data[:2000]
    assert client.get("/static/vendor/leaflet/images/layers.png").mimetype == "image/png"


def test_missing_vendor_files_page_still_renders_and_logs_how_to_install(
        make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path / "no-vendor")
    with caplog.at_level(logging.WARNING, logger="venuefinder.web"):
        app = make_app()
    lines = [r.getMessage() for r in caplog.records if "map assets missing" in r.getMessage()]
    assert len(lines) == 1 and assets.INSTALL_COMMAND in lines[0]
    response = app.test_client().get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "The map cannot be shown" in html and assets.INSTALL_COMMAND in unescape(html)
    assert "/static/vendor/" not in html and "L.map(" not in html
    assert json.loads(parse(html).config_text)["mapName"] is None


def test_flask_cli_reports_assets(runner, vendored: Path, monkeypatch: pytest.MonkeyPatch,
                                  tmp_path: Path) -> None:
    result = runner.invoke(args=["assets"])
    assert result.exit_code == 0 and "map assets installed" in result.output
    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path / "no-vendor")
    result = runner.invoke(args=["assets"])
    assert result.exit_code == 1
    assert assets.INSTALL_COMMAND in result.output


def test_security_headers(client: FlaskClient) -> None:
    for url in ("/", "/api/venues", "/api/nope"):
        assert client.get(url).headers["X-Content-Type-Options"] == "nosniff"


# -- many venues ---------------------------------------------------------------------------
def _initial_requests(config: dict[str, Any], viewport: tuple[int, int] = (1920, 1080)
                      ) -> list[str]:
    """The API requests app.js makes on load, at their largest.

    The list query is exact; the view query is given the maximum radius (so it returns the
    most venues it can, ``viewLimit``); the basemap box is a large screen at the start zoom.
    """
    import math

    lat, lon = config["center"]["lat"], config["center"]["lon"]
    common = f"lat={lat:.6f}&lon={lon:.6f}"
    deg_per_px = 360 / (256 * 2 ** config["startZoom"])
    half_w = viewport[0] / 2 * deg_per_px * 1.2  # app.js pads the box by 10 % each side
    half_h = viewport[1] / 2 * deg_per_px * math.cos(math.radians(lat)) * 1.2
    return [
        f"{config['api']['venues']}?{common}&radius={config['defaultRadius']:g}"
        f"&limit={config['listLimit']}",
        f"{config['api']['venues']}?{common}&radius={config['maxRadius']:g}"
        f"&limit={config['viewLimit']}",
        f"{config['api']['basemap']}?bbox={lon - half_w:.5f},{lat - half_h:.5f},"
        f"{lon + half_w:.5f},{lat + half_h:.5f}",
    ]


def test_first_page_under_1mb_with_5000_venues(make_app, big_region) -> None:
    """Page HTML + everything it links + the API requests its script makes at start-up."""
    client = make_app(big_region).test_client()
    started = time.perf_counter()
    html = client.get("/").get_data()
    page_ms = (time.perf_counter() - started) * 1000
    parsed = parse(html.decode())
    config = json.loads(parsed.config_text)
    sizes = {"/": len(html)}
    for url in parsed.resources:
        if url.startswith("/"):
            sizes[url] = len(client.get(url).get_data())
    for url in _initial_requests(config):
        started = time.perf_counter()
        response = client.get(url)
        took_ms = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, url
        assert took_ms < 1000, (url, took_ms)  # responsive: each answer well under a second
        sizes[url] = len(response.get_data())
    total = sum(sizes.values())
    assert len(html) < 20_000  # the page itself does not grow with the venues
    assert total < FIRST_PAGE_BUDGET, sizes
    assert page_ms < 2000
    view = client.get(_initial_requests(config)[1]).get_json()
    assert len(view["features"]) == config["viewLimit"]  # the region has far more


def test_page_size_does_not_depend_on_venue_count(make_app, big_region) -> None:
    small = make_app(tiny_region()).test_client().get("/").get_data()
    big = make_app(big_region).test_client().get("/").get_data()
    assert abs(len(big) - len(small)) < 200


def test_map_page_renders_once_per_app(vendored, app: Flask, client: FlaskClient) -> None:
    client.get("/")
    cached = app.extensions.get("venuefinder.map", {})
    assert len(cached) == 1
    parts = next(iter(cached.values()))
    client.get("/")
    assert next(iter(app.extensions["venuefinder.map"].values())) is parts


def _with_places(names_kinds: list[tuple[str, str]]) -> Region:
    """The tiny region with other named places (all at its first venue)."""
    tiny = tiny_region()
    lat, lon = float(tiny.places["lat"].iloc[0]), float(tiny.places["lon"].iloc[0])
    places = pd.DataFrame({"name": [n for n, _ in names_kinds], "kind": [k for _, k in names_kinds],
                           "lat": [lat] * len(names_kinds), "lon": [lon] * len(names_kinds)})
    return Region(venues=tiny.venues, places=places, basemap=tiny.basemap, crs=tiny.crs,
                  info={**tiny.info, "source": "/data/north-bayreuth.osm.gz"})


def _search_examples(app: Flask) -> tuple[str, str]:
    """The search box's placeholder and the help line below it."""
    html = app.test_client().get("/").get_data(as_text=True)
    placeholder = re.search(r'id="q"[^>]*placeholder="([^"]*)"', html, re.DOTALL)[1]
    return unescape(placeholder), unescape(re.search(r'id="q-help"[^>]*>([^<]*)<', html)[1])


@pytest.mark.parametrize(("places", "example"), [
    # A park is what a newcomer searches; stops, crossings and streets are not examples.
    ([("Huoltotie 014", "level_crossing"), ("Marktplatz", "tram_stop"),
      ("Hofgarten", "park"), ("St. Georgen", "suburb")], "Hofgarten"),
    ([("Bahnhof", "station"), ("St. Georgen", "suburb")], "St. Georgen"),
    ([("Maximilianstraße", "secondary")], None),
])
def test_search_example_is_a_place_of_the_loaded_region(make_app, places, example) -> None:
    region = _with_places(places)
    placeholder, help_line = _search_examples(make_app(region))
    coordinates = re.search(r"e\.g\. (-?[\d.]+), (-?[\d.]+)\.$", help_line)
    assert coordinates, help_line
    west, south, east, north = region.bounds
    assert south <= float(coordinates[1]) <= north and west <= float(coordinates[2]) <= east
    # Without a place worth naming, the box shows the coordinates.
    assert placeholder == f"e.g. {example or coordinates[1] + ', ' + coordinates[2]}"


def test_page_names_the_region_after_its_extract(make_app) -> None:
    app = make_app(_with_places([("Hofgarten", "park")]))
    html = app.test_client().get("/").get_data(as_text=True)
    assert json.loads(parse(html).config_text)["regionName"] == "North Bayreuth"
    assert "North Bayreuth, 5 places scored" in html
