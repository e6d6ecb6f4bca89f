"""Elevation for any region from Terrarium terrain tiles (``--dem auto``): no GeoTIFF needed.

Terrarium tiles (the Mapzen / AWS open-data "elevation-tiles-prod" set) are 256×256 PNGs on
the web-mercator XYZ grid whose colour encodes height, ``R*256 + G + B/256 − 32768`` metres
(1/256 m steps). :func:`load_terrain` fetches the tiles covering the venues' bounds at one
zoom, keeps each one on disk (a tile is downloaded once, ever), mosaics them into one
EPSG:3857 raster and warps it into the region's CRS through the same bilinear, NaN-nodata
reprojection as a GeoTIFF (:func:`.dem.reproject_heights`). The result is an ordinary
:class:`~.dem.Elevation`, so flatness scoring needs no special case.

Why each choice:

* the bounds grow by :data:`MARGIN_PX` pixels before tiles are chosen, so a venue on a tile
  edge still has neighbours for its slope;
* downloads run in a pool of :data:`WORKERS` threads: they wait on the network, and a tile
  server should see only a few connections from one user;
* every PNG is checked chunk by chunk (length, CRC, final ``IEND``) before GDAL decodes it:
  GDAL's PNG driver decodes a truncated file without an error, as zeros, and a zero pixel
  is −32768 m. A cached tile failing the check is downloaded again; a downloaded one is a
  :class:`~venuefinder.errors.SourceError`;
* any failure to get the tiles is a ``SourceError``, never a silent fallback to no
  elevation: the user asked for measured slopes.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import struct
import tempfile
import warnings
import zlib
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence
from urllib.parse import urlsplit

import numpy as np
from affine import Affine

from .. import __version__
from ..errors import InputError, SourceError
from .dem import Elevation, region_grid, reproject_heights
from .overpass import describe_request_error

if TYPE_CHECKING:
    import requests
    from pyproj import CRS

log = logging.getLogger(__name__)

#: Terrarium's deepest zoom (z15: ~4.8 m pixels at the equator, ~2.4 m at 60° N).
MAX_ZOOM = 15
#: Pixels per tile side.
TILE_SIZE = 256
#: Parallel downloads.
WORKERS = 4
#: Pixels added around the bounds before choosing tiles.
MARGIN_PX = 2
#: Web mercator's extent (EPSG:3857 spans ± half of it in x and y).
EARTH_CIRCUMFERENCE_M = 2 * math.pi * 6_378_137.0
#: Web mercator's latitude limit: tile rows end here.
MAX_LATITUDE = math.degrees(math.atan(math.sinh(math.pi)))

_PLACEHOLDERS = ("{z}", "{x}", "{y}")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def load_terrain(bounds: tuple[float, float, float, float], crs: "CRS", *, url_template: str,
                 zoom: int, cache_dir: Path, timeout_s: float = 30.0,
                 max_tiles: int = 400) -> Elevation:
    """Heights and slopes over *bounds* from Terrarium tiles, in the region's CRS.

    Parameters
    ----------
    bounds
        ``(west, south, east, north)`` in WGS84 degrees: the region's venues.
    crs
        The region's metric CRS (a projected ``pyproj.CRS``, normally UTM).
    url_template
        Tile URL with ``{z}``, ``{x}`` and ``{y}``, e.g.
        ``https://s3.amazonaws.com/elevation-tiles-prod/terrarium/{z}/{x}/{y}.png``.
    zoom
        Tile zoom, 0 to :data:`MAX_ZOOM`.
    cache_dir
        Tiles are kept in ``cache_dir/<hash of url_template>/<z>/<x>/<y>.png``.
    timeout_s
        Timeout of each request (connecting, and each wait for data).
    max_tiles
        Most tiles one call may need (cached or not).

    Returns
    -------
    Elevation
        At about the tiles' ground resolution; ``source`` names the zoom and the pixel size,
        e.g. ``"terrain tiles z15, ~2.4 m"``.

    Raises
    ------
    InputError
        Bounds that are not WGS84 west ≤ east, south ≤ north; a template without ``{z}``,
        ``{x}`` and ``{y}`` or not http(s); a zoom outside 0–15; more tiles than *max_tiles*.
    SourceError
        The tile server is unreachable, too slow, answers an HTTP error or something that is
        not a 256×256 RGB PNG. One line naming the server and the problem.
    ValueError
        ``crs`` is not projected (a programming error, not bad input).
    """
    if not getattr(crs, "is_projected", False):
        raise ValueError(f"load_terrain needs a projected (metric) CRS, got {crs!r}")
    _check_template(url_template)
    if (isinstance(zoom, bool) or not isinstance(zoom, (int, np.integer))
            or not 0 <= zoom <= MAX_ZOOM):
        raise InputError(f"terrain zoom must be an integer from 0 to {MAX_ZOOM}, not {zoom!r}")
    zoom = int(zoom)
    west, south, east, north = _checked_bounds(bounds)
    pad = MARGIN_PX * 360.0 / (TILE_SIZE * 2**zoom)  # a pixel's width in degrees, at most
    tiles = tiles_for_bounds((west - pad, south - pad, east + pad, north + pad), zoom)
    if len(tiles) > max_tiles:
        raise InputError(f"region needs {len(tiles):,} terrain tiles at z{zoom}, more than "
                         f"the limit of {max_tiles:,}; lower the zoom")

    xs = [x for _, x, _ in tiles]
    ys = [y for _, _, y in tiles]
    x0, y0 = min(xs), min(ys)
    mosaic = np.empty(((max(ys) - y0 + 1) * TILE_SIZE, (max(xs) - x0 + 1) * TILE_SIZE),
                      dtype=np.float32)

    def place(x: int, y: int, heights: np.ndarray) -> None:
        row, col = (y - y0) * TILE_SIZE, (x - x0) * TILE_SIZE
        mosaic[row:row + TILE_SIZE, col:col + TILE_SIZE] = heights

    digest = hashlib.sha256(url_template.encode()).hexdigest()[:16]
    folder = Path(cache_dir).expanduser() / digest
    missing = []
    for z, x, y in tiles:
        path = folder / str(z) / str(x) / f"{y}.png"
        try:
            place(x, y, _tile_heights(path.read_bytes()))
        except FileNotFoundError:
            missing.append((z, x, y))
        except (OSError, ValueError) as exc:
            log.info("terrain tile %s is unreadable (%s): fetching it again", path, exc)
            missing.append((z, x, y))

    urls = [_tile_url(url_template, *tile) for tile in missing]
    # Each tile is decoded and kept as it arrives: a failure later still leaves it cached.
    with closing(_fetch_all(urls, timeout_s)) as bodies:
        for (z, x, y), url, body in zip(missing, urls, bodies):
            try:
                place(x, y, _tile_heights(body))
            except ValueError as exc:
                raise SourceError(f"the terrain tile server at {_host(url)} answered {exc} "
                                  f"for {urlsplit(url).path}") from exc
            _write_atomic(folder / str(z) / str(x) / f"{y}.png", body)
    log.info("terrain tiles z%d: %d cached, %d fetched from %s", zoom,
             len(tiles) - len(missing), len(missing), _host(url_template))

    # The mosaic's place on the EPSG:3857 grid follows from the tile numbers alone.
    tile_m = EARTH_CIRCUMFERENCE_M / 2**zoom
    pixel_m = tile_m / TILE_SIZE
    half = EARTH_CIRCUMFERENCE_M / 2
    src_transform = Affine(pixel_m, 0.0, -half + x0 * tile_m, 0.0, -pixel_m, half - y0 * tile_m)
    dst_transform, width, height = region_grid("EPSG:3857", src_transform, mosaic.shape[1],
                                               mosaic.shape[0], crs)
    heights = reproject_heights(mosaic, "EPSG:3857", src_transform, crs, dst_transform,
                                (height, width))
    ground_m = pixel_m * math.cos(math.radians((south + north) / 2))
    size = f"{ground_m:.1f}" if ground_m < 10 else f"{ground_m:.0f}"
    return Elevation(heights=heights, transform=dst_transform, crs=crs,
                     source=f"terrain tiles z{zoom}, ~{size} m")


def tiles_for_bounds(bounds: Sequence[float], zoom: int) -> list[tuple[int, int, int]]:
    """The XYZ web-mercator tiles that cover *bounds* at *zoom*.

    Parameters
    ----------
    bounds
        ``(west, south, east, north)`` in WGS84 degrees, west ≤ east and south ≤ north;
        latitudes beyond web mercator's ±85.05° are clipped to it.
    zoom
        Tile zoom (``2**zoom`` tiles per side).

    Returns
    -------
    list of tuple
        ``(z, x, y)`` row by row from the north-west tile; x grows east, y south. A bound on
        a tile edge also takes the tile beyond it.
    """
    west, south, east, north = bounds
    n = 2**zoom

    def column(lon: float) -> int:
        return min(max(math.floor((lon + 180.0) / 360.0 * n), 0), n - 1)

    def row(lat: float) -> int:
        phi = math.radians(min(max(lat, -MAX_LATITUDE), MAX_LATITUDE))
        return min(max(math.floor((1.0 - math.asinh(math.tan(phi)) / math.pi) / 2.0 * n), 0),
                   n - 1)

    return [(zoom, x, y) for y in range(row(north), row(south) + 1)
            for x in range(column(west), column(east) + 1)]


def decode_terrarium(rgb: np.ndarray) -> np.ndarray:
    """Terrarium colours → heights in metres: ``R*256 + G + B/256 − 32768``.

    Parameters
    ----------
    rgb
        Array of shape ``(..., 3)`` (or ``(..., 4)``: alpha is ignored) of 0–255 values.

    Returns
    -------
    numpy.ndarray
        float32 heights of shape ``rgb.shape[:-1]`` (exact: 1/256 m steps fit float32's
        precision for any height on Earth).
    """
    rgb = np.asarray(rgb)
    if rgb.ndim < 1 or rgb.shape[-1] not in (3, 4):
        raise ValueError(f"decode_terrarium needs (..., 3) RGB values, got shape {rgb.shape}")
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    return (r * 256.0 + g + b / 256.0 - 32768.0).astype(np.float32)


def _check_template(url_template: str) -> None:
    missing = [p for p in _PLACEHOLDERS if p not in url_template]
    if missing:
        raise InputError(f"terrain tile URL {url_template!r} lacks {', '.join(missing)}")
    parts = urlsplit(url_template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"terrain tile URL {url_template!r} is not an http(s) URL")


def _checked_bounds(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(b) for b in bounds)
    except (TypeError, ValueError) as exc:
        raise InputError(f"terrain bounds must be four numbers, got {bounds!r}") from exc
    if not (all(math.isfinite(v) for v in (west, south, east, north))
            and -180.0 <= west <= east <= 180.0 and -90.0 <= south <= north <= 90.0):
        raise InputError(f"terrain bounds {bounds!r} are not WGS84 (west, south, east, north)")
    return west, south, east, north


def _tile_url(url_template: str, z: int, x: int, y: int) -> str:
    # replace, not format: a template may hold other braces (an API key, a {s} subdomain).
    return url_template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))


def _host(url: str) -> str:
    """Scheme and host of *url*: what messages name (a path may carry an API key)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _fetch_all(urls: list[str], timeout_s: float) -> Iterator[bytes]:
    """Bodies of *urls* in order, downloaded :data:`WORKERS` at a time. The first failure,
    or closing the generator, cancels the downloads not yet started."""
    if not urls:
        return
    from concurrent.futures import ThreadPoolExecutor

    import requests

    with requests.Session() as session:
        session.headers["User-Agent"] = f"venuefinder/{__version__}"
        pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="terrain")
        try:
            futures = [pool.submit(_fetch, session, url, timeout_s) for url in urls]
            for future in futures:
                yield future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _fetch(session: "requests.Session", url: str, timeout_s: float) -> bytes:
    import requests

    try:
        response = session.get(url, timeout=timeout_s)
    except requests.RequestException as exc:
        raise SourceError(describe_request_error(
            "the terrain tile server", _host(url), exc, timeout_s)) from exc
    if not response.ok:
        raise SourceError(f"the terrain tile server at {_host(url)} answered HTTP "
                          f"{response.status_code} {response.reason} for {urlsplit(url).path}")
    return response.content


def _tile_heights(body: bytes) -> np.ndarray:
    """Heights of one Terrarium tile; ValueError saying what the body is instead."""
    _check_png(body)
    from rasterio.errors import NotGeoreferencedWarning, RasterioError
    from rasterio.io import MemoryFile

    try:
        with warnings.catch_warnings():
            # A tile carries no georeference: its place comes from z/x/y.
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with MemoryFile(body) as memfile, memfile.open(driver="PNG") as png:
                if png.count < 3 or png.dtypes[0] != "uint8":
                    raise ValueError("a PNG that is not 8-bit RGB")
                if png.shape != (TILE_SIZE, TILE_SIZE):
                    raise ValueError(f"a {png.width}×{png.height} PNG, not a "
                                     f"{TILE_SIZE}×{TILE_SIZE} tile")
                rgb = png.read((1, 2, 3))
    except RasterioError as exc:
        raise ValueError(f"a PNG that cannot be decoded ({' '.join(str(exc).split())})") \
            from exc
    return decode_terrarium(np.moveaxis(rgb, 0, -1))


def _check_png(body: bytes) -> None:
    """ValueError unless *body* is a whole PNG: signature, every chunk's CRC, ``IEND``."""
    if not body.startswith(_PNG_SIGNATURE):
        raise ValueError("something that is not a PNG")
    view = memoryview(body)
    pos = len(_PNG_SIGNATURE)
    while pos + 12 <= len(body):
        length, kind = struct.unpack_from(">I4s", body, pos)
        end = pos + 12 + length
        if end > len(body):
            break
        if zlib.crc32(view[pos + 4:end - 4]) != struct.unpack_from(">I", body, end - 4)[0]:
            raise ValueError(f"a corrupt PNG (bad checksum in its {kind.decode('latin-1')} "
                             "chunk)")
        if kind == b"IEND":
            return
        pos = end
    raise ValueError("a truncated PNG")


def _write_atomic(path: Path, body: bytes) -> None:
    """Store a tile (temp file + rename: a reader never sees half a tile); a failure only
    logs, as the cache is optional."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".png", dir=path.parent)
        with os.fdopen(fd, "wb") as file:
            file.write(body)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not keep terrain tile %s: %s", path, exc)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
