"""load_terrain: Terrarium tiles → Elevation, the tile cache, and every way a server fails.

The tiles come from a local server that draws them on request from a known surface: a
ramp rising 5 % eastwards along the EPSG:3067 x axis, sampled at each tile pixel's centre,
so the true height and slope of every reprojected pixel are known. The PNG encoder here
(numpy + zlib) is independent of the decoder under test (GDAL).
"""

from __future__ import annotations

import math
import re
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator, Optional
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer

from venuefinder import __version__
from venuefinder.config import Settings
from venuefinder.errors import InputError, SourceError
from venuefinder.scoring import ScoringContext
from venuefinder.scoring.flatness import score_flatness
from venuefinder.sources.dem import Elevation
from venuefinder.sources.terrain import decode_terrarium, load_terrain, tiles_for_bounds

TM35FIN = CRS.from_epsg(3067)
#: Around Lapinlahti, Helsinki (WGS84 west, south, east, north).
HELSINKI = (24.93, 60.165, 24.95, 60.175)
ZOOM = 15
GRADE = 0.05  # the ramp: +5 cm per metre eastwards
EASTING_0, BASE_M = 385_000.0, 100.0
HALF_WORLD_M = math.pi * 6_378_137.0
TILE_PATH = re.compile(r"^/terrarium/(\d+)/(\d+)/(\d+)\.png$")

_TO_3067 = Transformer.from_crs("EPSG:3857", TM35FIN, always_xy=True)


def ramp_height(easting: np.ndarray) -> np.ndarray:
    return BASE_M + GRADE * (np.asarray(easting) - EASTING_0)


def encode_png(rgb: np.ndarray) -> bytes:
    """An 8-bit RGB PNG of a (rows, cols, 3) uint8 array: no filtering, one IDAT."""
    rows, cols, _ = rgb.shape

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    raw = np.concatenate([np.zeros((rows, 1), np.uint8), rgb.reshape(rows, cols * 3)], axis=1)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", cols, rows, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw.tobytes()))
            + chunk(b"IEND", b""))


def encode_terrarium(heights: np.ndarray) -> np.ndarray:
    """Heights in metres → Terrarium (rows, cols, 3) uint8, to the nearest 1/256 m."""
    v = np.round((np.asarray(heights, float) + 32768.0) * 256.0) / 256.0
    whole = np.floor(v)
    return np.stack([whole // 256, whole % 256, (v - whole) * 256], axis=-1).astype(np.uint8)


def ramp_tile(z: int, x: int, y: int, size: int = 256) -> bytes:
    """The Terrarium PNG of tile z/x/y over the ramp, sampled at pixel centres."""
    pixel = 2 * HALF_WORLD_M / 2**z / size
    cols, rows = np.meshgrid(np.arange(size) + 0.5, np.arange(size) + 0.5)
    easting, _ = _TO_3067.transform(-HALF_WORLD_M + (x * size + cols) * pixel,
                                    HALF_WORLD_M - (y * size + rows) * pixel)
    return encode_png(encode_terrarium(ramp_height(easting)))


@dataclass
class TileServer:
    """A Terrarium tile server on 127.0.0.1 drawing the ramp; ``fail`` replaces the answer
    for every path (or only for ``fail_only``) with ``(status, body, content type)``;
    ``delay_s`` delays every answer."""

    url: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, User-Agent)
    fail: Optional[tuple[int, bytes, str]] = None
    fail_only: Optional[str] = None
    delay_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def template(self) -> str:
        return f"{self.url}/terrarium/{{z}}/{{x}}/{{y}}.png"

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


def _handler(server: TileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            with server.lock:
                server.requests.append((self.path, self.headers.get("User-Agent", "")))
            time.sleep(server.delay_s)
            match = TILE_PATH.match(urlsplit(self.path).path)
            if server.fail is not None and server.fail_only in (None, self.path):
                status, body, content_type = server.fail
            elif match:
                status, body, content_type = 200, ramp_tile(*map(int, match.groups())), \
                    "image/png"
            else:
                status, body, content_type = 404, b"not found", "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
            pass

    return Handler


@pytest.fixture
def tile_server() -> Iterator[TileServer]:
    server = TileServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    yield server
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def load(server: TileServer, cache_dir: Path, **kwargs: object) -> Elevation:
    options: dict[str, object] = dict(url_template=server.template, zoom=ZOOM,
                                      cache_dir=cache_dir, timeout_s=5.0)
    options.update(kwargs)
    return load_terrain(HELSINKI, TM35FIN, **options)  # type: ignore[arg-type]


def inside(dem: Elevation, bounds: tuple[float, float, float, float] = HELSINKI
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eastings, heights and slopes of the DEM pixels whose centres lie in *bounds*."""
    rows, cols = np.indices(dem.heights.shape)
    x, y = dem.transform @ (cols + 0.5, rows + 0.5)
    lon, lat = Transformer.from_crs(TM35FIN, "EPSG:4326", always_xy=True).transform(x, y)
    west, south, east, north = bounds
    keep = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    return x[keep], dem.heights[keep], dem.slope_pct[keep]


# --- pure helpers -------------------------------------------------------------------------

def test_decode_terrarium_known_pixels() -> None:
    rgb = np.array([[128, 0, 0], [128, 1, 0], [127, 255, 0], [128, 0, 128], [128, 100, 64]])
    np.testing.assert_array_equal(decode_terrarium(rgb), [0.0, 1.0, -1.0, 0.5, 100.25])


def test_decode_terrarium_keeps_the_image_shape_and_ignores_alpha() -> None:
    rgba = np.zeros((2, 3, 4), np.uint8)
    rgba[..., 0], rgba[..., 1], rgba[..., 3] = 128, 7, 255
    heights = decode_terrarium(rgba)
    assert heights.shape == (2, 3) and heights.dtype == np.float32
    np.testing.assert_array_equal(heights, 7.0)


def test_decode_terrarium_round_trips_the_test_encoder() -> None:
    heights = np.array([-412.5, -0.00390625, 0.0, 8848.86328125])  # exact 1/256 m steps
    np.testing.assert_array_equal(decode_terrarium(encode_terrarium(heights)), heights)


def test_tiles_for_bounds_of_the_whole_world_and_a_quadrant() -> None:
    assert tiles_for_bounds((-180, -90, 180, 90), 0) == [(0, 0, 0)]
    assert tiles_for_bounds((-180, -90, 180, 90), 1) == [(1, 0, 0), (1, 1, 0), (1, 0, 1),
                                                         (1, 1, 1)]
    assert tiles_for_bounds((10.0, 10.0, 20.0, 20.0), 1) == [(1, 1, 0)]  # north-east


def test_tiles_for_bounds_match_the_web_mercator_grid() -> None:
    tiles = tiles_for_bounds(HELSINKI, ZOOM)
    # Independently: each corner's EPSG:3857 coordinates divided by the tile size.
    tile_m = 2 * HALF_WORLD_M / 2**ZOOM
    to_3857 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    (x_w, x_e), (y_s, y_n) = (np.asarray(v) for v in to_3857.transform(
        [HELSINKI[0], HELSINKI[2]], [HELSINKI[1], HELSINKI[3]]))
    cols = range(int((x_w + HALF_WORLD_M) // tile_m), int((x_e + HALF_WORLD_M) // tile_m) + 1)
    rows = range(int((HALF_WORLD_M - y_n) // tile_m), int((HALF_WORLD_M - y_s) // tile_m) + 1)
    assert tiles == [(ZOOM, x, y) for y in rows for x in cols]
    assert 4 <= len(tiles) <= 9  # ~1.1 × 1.1 km over ~610 m tiles


# --- the ramp, end to end -----------------------------------------------------------------

def test_ramp_tiles_give_the_ramps_heights_and_slope(tile_server: TileServer,
                                                     tmp_path: Path) -> None:
    dem = load(tile_server, tmp_path)
    assert dem.crs == TM35FIN
    # z15 pixels are 4.78 m of web mercator, cos(60.17°) × that on the ground.
    assert dem.source == "terrain tiles z15, ~2.4 m"
    width, height = dem.pixel_size
    assert 2.0 < width < 2.8 and 2.0 < height < 2.8
    easting, heights, slope = inside(dem)
    assert heights.size > 0.9 * (1110 / width) * (1110 / height)  # the bounds are covered
    assert np.isfinite(heights).all()
    assert np.abs(heights - ramp_height(easting)).max() < 0.03
    assert np.median(slope) == pytest.approx(5.0, abs=0.3)
    assert np.percentile(slope, 99) < 5.5
    # Every request names venuefinder, and each tile was asked for once.
    agents = {agent for _, agent in tile_server.requests}
    assert agents == {f"venuefinder/{__version__}"}
    assert len(set(tile_server.paths())) == len(tile_server.paths())


def test_bounds_ending_at_a_tile_edge_keep_their_slope(tile_server: TileServer,
                                                      tmp_path: Path) -> None:
    # East edge 0.3 pixel short of a tile's edge: without a margin the tile beyond is not
    # fetched, and the rotated UTM grid leaves pixels there with no slope or a wrong one.
    pixel_deg = 360.0 / (256 * 2**ZOOM)
    east = 18_654 * 256 * pixel_deg - 180.0 - 0.3 * pixel_deg
    bounds = (east - 0.01, 60.165, east, 60.175)
    dem = load_terrain(bounds, TM35FIN, url_template=tile_server.template, zoom=ZOOM,
                       cache_dir=tmp_path, timeout_s=5.0)
    assert {int(path.split("/")[-2]) for path in tile_server.paths()} == {18_653, 18_654}
    _, _, slope = inside(dem, bounds)
    assert np.isfinite(slope).all()
    assert np.abs(slope - 5.0).max() < 0.2


def test_tiles_are_cached_and_never_fetched_again(tile_server: TileServer,
                                                  tmp_path: Path) -> None:
    first = load(tile_server, tmp_path)
    fetched = len(tile_server.requests)
    assert fetched >= len(tiles_for_bounds(HELSINKI, ZOOM))
    cached = sorted(tmp_path.glob("*/15/*/*.png"))
    assert len(cached) == fetched
    assert len({path.parts[-4] for path in cached}) == 1  # one folder per URL template
    assert not list(tmp_path.rglob(".tmp-*"))  # no temporary file left behind

    second = load(tile_server, tmp_path)
    assert len(tile_server.requests) == fetched  # zero new requests
    np.testing.assert_array_equal(second.heights, first.heights)
    assert second.transform == first.transform


def test_another_template_has_its_own_cache(tile_server: TileServer, tmp_path: Path) -> None:
    load(tile_server, tmp_path)
    fetched = len(tile_server.requests)
    load(tile_server, tmp_path, url_template=tile_server.template + "?v=2")
    assert len(tile_server.requests) == 2 * fetched
    assert len(list(tmp_path.iterdir())) == 2


@pytest.mark.parametrize("damage", ["truncated", "bit flip", "text", "empty"])
def test_a_corrupt_cached_tile_is_fetched_again(tile_server: TileServer, tmp_path: Path,
                                                damage: str) -> None:
    first = load(tile_server, tmp_path)
    fetched = len(tile_server.requests)
    victim = sorted(tmp_path.glob("*/15/*/*.png"))[0]
    good = victim.read_bytes()
    if damage == "truncated":  # GDAL would decode this as zeros, i.e. −32768 m
        victim.write_bytes(good[:-30])
    elif damage == "bit flip":
        body = bytearray(good)
        body[len(body) // 2] ^= 0x10
        victim.write_bytes(bytes(body))
    else:
        victim.write_bytes(b"<html>oops</html>" if damage == "text" else b"")

    second = load(tile_server, tmp_path)
    z, x, y = victim.parts[-3], victim.parts[-2], victim.stem
    assert tile_server.paths()[fetched:] == [f"/terrarium/{z}/{x}/{y}.png"]
    assert victim.read_bytes() == good
    np.testing.assert_array_equal(second.heights, first.heights)


def test_flatness_cites_the_terrain_tiles(tile_server: TileServer, tmp_path: Path) -> None:
    dem = load(tile_server, tmp_path)
    centre = Transformer.from_crs("EPSG:4326", TM35FIN, always_xy=True).transform(
        24.94, 60.17)
    field_ = shapely.box(centre[0] - 50, centre[1] - 35, centre[0] + 50, centre[1] + 35)
    venues = gpd.GeoDataFrame({"kind": ["pitch"], "incline": [None]}, geometry=[field_],
                              crs=TM35FIN)
    roads = gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=TM35FIN)
    result = score_flatness(venues, ScoringContext(crs=TM35FIN, roads=roads,
                                                   settings=Settings(), dem=dem))
    reason = result["reason"].iloc[0]
    assert reason.startswith("DEM terrain tiles z15, ~2.4 m: ")
    p90 = float(re.search(r"under ([\d.]+)% slope", reason).group(1))
    assert p90 == pytest.approx(5.0, abs=0.3)
    assert result["evidence"].iloc[0] == "measured"
    assert 45 < result["score"].iloc[0] < 70  # between the table's 4 % and 6 % rows


# --- failures -----------------------------------------------------------------------------

def test_unreachable_server_is_a_source_error(closed_port_url: str, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="terrain tile server at http://127.0.0.1:\\d+ is "
                                          "unreachable") as info:
        load_terrain(HELSINKI, TM35FIN, url_template=closed_port_url + "/{z}/{x}/{y}.png",
                     zoom=ZOOM, cache_dir=tmp_path, timeout_s=5.0)
    assert "\n" not in str(info.value)
    assert not list(tmp_path.rglob("*.png"))


@pytest.mark.parametrize("status", [404, 500])
def test_http_error_is_a_source_error(tile_server: TileServer, tmp_path: Path,
                                      status: int) -> None:
    tile_server.fail = (status, b"<html>no</html>", "text/html")
    with pytest.raises(SourceError, match=f"at {tile_server.url} answered HTTP {status} "
                                          r".* for /terrarium/15/\d+/\d+\.png$") as info:
        load(tile_server, tmp_path)
    assert "\n" not in str(info.value)


def test_tiles_fetched_before_a_failure_stay_cached(tile_server: TileServer,
                                                   tmp_path: Path) -> None:
    west, south, east, north = HELSINKI
    pad = 2 * 360.0 / (256 * 2**ZOOM)
    tiles = tiles_for_bounds((west - pad, south - pad, east + pad, north + pad), ZOOM)
    last = "/terrarium/{}/{}/{}.png".format(*tiles[-1])
    tile_server.fail, tile_server.fail_only = (503, b"busy", "text/plain"), last
    with pytest.raises(SourceError, match="HTTP 503"):
        load(tile_server, tmp_path)
    assert len(list(tmp_path.glob("*/15/*/*.png"))) == len(tiles) - 1

    tile_server.fail = None
    tile_server.requests.clear()
    load(tile_server, tmp_path)
    assert tile_server.paths() == [last]


@pytest.mark.parametrize("body, problem", [
    (b"<html>Service unavailable</html>", "something that is not a PNG"),
    (ramp_tile(15, 18654, 9484)[:-30], "a truncated PNG"),
    (encode_png(np.zeros((256, 256, 3), np.uint8))[:-4] + b"\0" * 4,
     r"a corrupt PNG \(bad checksum in its IEND chunk\)"),
    (ramp_tile(15, 18654, 9484, size=512), "a 512×512 PNG, not a 256×256 tile"),
])
def test_a_body_that_is_not_a_terrarium_tile_is_a_source_error(
        tile_server: TileServer, tmp_path: Path, body: bytes, problem: str) -> None:
    tile_server.fail = (200, body, "image/png")
    with pytest.raises(SourceError, match=f"at {tile_server.url} answered {problem} for "):
        load(tile_server, tmp_path)
    assert not list(tmp_path.rglob("*.png"))  # nothing bad is cached


def test_a_slow_server_is_a_source_error(tile_server: TileServer, tmp_path: Path) -> None:
    tile_server.delay_s = 1.0
    with pytest.raises(SourceError, match="did not answer within 0.2 s"):
        load(tile_server, tmp_path, timeout_s=0.2)


def test_too_many_tiles_is_an_input_error_before_any_request(tile_server: TileServer,
                                                             tmp_path: Path) -> None:
    needed = len(tiles_for_bounds(HELSINKI, ZOOM))
    with pytest.raises(InputError, match=r"region needs \d+ terrain tiles at z15, more than "
                                         r"the limit of 3; lower the zoom"):
        load(tile_server, tmp_path, max_tiles=min(3, needed - 1))
    assert tile_server.requests == []


@pytest.mark.parametrize("options, message", [
    ({"url_template": "http://127.0.0.1:9/terrarium/{z}/{x}.png"}, "lacks {y}"),
    ({"url_template": "/srv/tiles/{z}/{x}/{y}.png"}, "not an http"),
    ({"zoom": 16}, "zoom must be an integer from 0 to 15"),
    ({"zoom": -1}, "zoom must be an integer from 0 to 15"),
])
def test_bad_template_or_zoom_is_an_input_error(tile_server: TileServer, tmp_path: Path,
                                                options: dict, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        load(tile_server, tmp_path, **options)
    assert tile_server.requests == []


@pytest.mark.parametrize("bounds", [(24.95, 60.165, 24.93, 60.175), (24.93, 60.165, 24.95,
                                                                     float("nan")),
                                    (190.0, 0.0, 191.0, 1.0)])
def test_bounds_that_are_not_wgs84_are_an_input_error(tmp_path: Path, bounds: tuple) -> None:
    with pytest.raises(InputError, match="terrain bounds"):
        load_terrain(bounds, TM35FIN, url_template="http://127.0.0.1:9/{z}/{x}/{y}.png",
                     zoom=ZOOM, cache_dir=tmp_path)


def test_geographic_target_crs_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="projected") as info:
        load_terrain(HELSINKI, CRS.from_epsg(4326), url_template="http://127.0.0.1:9/{z}/"
                     "{x}/{y}.png", zoom=ZOOM, cache_dir=tmp_path)
    assert not isinstance(info.value, InputError)
