"""The map page (blueprint ``map``): folium renders the Leaflet map, the page's own script
fetches venues for the current view from the API.

Why the page embeds no venues: a region can hold thousands, and the first page must stay
small and quick; the script asks ``/api/venues`` for the best ones around the view and the
searched point instead.

Why folium's defaults are replaced: folium links Leaflet, jQuery, Bootstrap and Font Awesome
from public CDNs and adds a viewport tag that forbids zooming. The page uses only Leaflet,
served from ``static/vendor`` (see :mod:`venuefinder.web.assets`), and its own layout.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import folium
from folium.template import Template
from flask import Blueprint, Response, current_app, request, url_for

from ..criteria import REGISTRY
from .assets import FOLIUM_CSS, FOLIUM_JS, INSTALL_COMMAND, missing_vendor_files
from .pages import render_page
from .state import RegionSummary, current_settings, current_summary

if TYPE_CHECKING:
    from ..config import Settings

bp = Blueprint("map", __name__)

#: Zoom of the first view: a few streets around the region's centre.
START_ZOOM = 15
#: Most venues one map-view request asks for: enough to fill a screen, small enough that the
#: first page (HTML + scripts + first requests) stays well under 1 MB in any region.
VIEW_LIMIT = 150
#: Below this zoom the view is too wide to list venues by view; only the list's are drawn.
VIEW_MIN_ZOOM = 11
#: Below this zoom venues also get a marker (their shapes are a few pixels wide).
MARKER_MAX_ZOOM = 15
#: The extract's own basemap is drawn from this zoom on (wider views hold too much).
BASEMAP_MIN_ZOOM = 15
#: Distances offered in the filter (metres); the configured default is added when missing.
RADIUS_CHOICES = (500.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0)
#: Kinds of named place a newcomer would search for, most telling first: the search box's
#: example is one of these (never a tram stop or a level crossing).
EXAMPLE_PLACE_KINDS = ("park", "garden", "recreation_ground", "stadium", "sports_centre",
                       "square", "suburb", "neighbourhood", "quarter", "village", "town",
                       "station")
#: Longer names would not fit the search box beside the coordinates.
EXAMPLE_NAME_MAX = 28
#: What an extract's file name carries besides the region's name.
_SOURCE_SUFFIX = re.compile(r"(-latest)?(\.osm)?(\.pbf|\.gz|\.bz2|\.xml)?$", re.IGNORECASE)


class VenueMap(folium.Map):
    """folium's Map without its page-level header (viewport lock, body styles, jQuery call).

    The page around the map is ours; folium still renders the Leaflet map, its options and
    the tile layer.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>#{{ this.get_name() }} { position: relative; width: 100%; height: 100%; }
            </style>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div class="folium-map" id={{ this.get_name()|tojson }}></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
            {%- if this.control_scale %}
            L.control.scale().addTo({{ this.get_name() }});
            {%- endif %}
        {% endmacro %}
        """
    )


@dataclass(frozen=True)
class MapParts:
    """What folium rendered, ready to place in the page template."""

    name: str
    header: str
    html: str
    script: str


def build_map(region: RegionSummary, settings: "Settings", static_url: str) -> MapParts:
    """Render the Leaflet map with folium, linking Leaflet from the app's static files.

    Parameters
    ----------
    region
        For the starting view.
    settings
        Tile URL and attribution (``tiles="none"`` leaves the basemap to the page script).
    static_url
        URL of ``static/vendor/`` (with a trailing slash).
    """
    tiles: Optional[folium.TileLayer] = None
    if settings.tiles_enabled:
        tiles = folium.TileLayer(tiles=settings.tiles, attr=settings.tiles_attribution,
                                 max_zoom=19, name="tiles")
    fmap = VenueMap(location=list(region.center), zoom_start=START_ZOOM, tiles=tiles,
                    prefer_canvas=True, control_scale=True, max_zoom=19)
    # Instance attributes, not folium's class lists: add_js_link would mutate those globally.
    fmap.default_js = [(name, static_url + path) for name, path in FOLIUM_JS]
    fmap.default_css = [(name, static_url + path) for name, path in FOLIUM_CSS]
    root = fmap.get_root()
    root.render()
    return MapParts(name=fmap.get_name(), header=root.header.render(),
                    html=root.html.render(), script=root.script.render())


def radius_choices(settings: "Settings") -> list[float]:
    """Distances for the filter: the fixed choices up to the maximum, plus the default."""
    choices = {r for r in RADIUS_CHOICES if r <= settings.max_radius_m}
    choices.add(min(settings.default_radius_m, settings.max_radius_m))
    return sorted(choices)


def region_name(region: RegionSummary) -> str:
    """What to call the loaded region: its extract's name without the file suffixes
    (``north-bayreuth.osm.gz`` → ``North Bayreuth``)."""
    source = str(region.info.get("source") or "").rsplit("/", 1)[-1]
    name = _SOURCE_SUFFIX.sub("", source).replace("_", " ").replace("-", " ").strip()
    if not name:
        return "the loaded region"
    return name.title() if name.islower() else name


def example_coordinates(region: RegionSummary) -> str:
    """The region's centre as few decimals as keep it inside the region ("60.17, 24.94")."""
    west, south, east, north = region.bounds
    lat, lon = region.center
    for decimals in range(2, 6):
        lat_r, lon_r = round(lat, decimals), round(lon, decimals)
        if south <= lat_r <= north and west <= lon_r <= east:
            break
    return f"{lat_r:.{decimals}f}, {lon_r:.{decimals}f}"


def example_place(region: RegionSummary) -> Optional[str]:
    """A place name of the region a newcomer would search for: of the most telling kind
    present (:data:`EXAMPLE_PLACE_KINDS`), the one nearest the centre; None without one."""
    places = region.places
    if places.empty:
        return None
    lat0, lon0 = region.center
    shrink = math.cos(math.radians(lat0))
    for kind in EXAMPLE_PLACE_KINDS:
        found = places.loc[(places["kind"] == kind)
                           & (places["name"].str.len() <= EXAMPLE_NAME_MAX)]
        if not found.empty:
            distance = (found["lat"] - lat0) ** 2 + ((found["lon"] - lon0) * shrink) ** 2
            return str(found.loc[distance.sort_values(kind="stable").index[0], "name"])
    return None


def search_placeholder(region: RegionSummary) -> str:
    """The search box's example: a place of the loaded region, else its coordinates (the
    help line below the box gives those in any case)."""
    return "e.g. " + (example_place(region) or example_coordinates(region))


def page_config(region: RegionSummary, settings: "Settings",
                map_name: Optional[str]) -> dict[str, Any]:
    """Everything the page script needs, embedded as JSON (no venues)."""
    lat, lon = region.center
    return {
        "mapName": map_name,
        "regionName": region_name(region),
        "center": {"lat": lat, "lon": lon},
        "bounds": list(region.bounds),
        "startZoom": START_ZOOM,
        "tilesEnabled": settings.tiles_enabled,
        "attribution": settings.tiles_attribution,
        "defaultRadius": min(settings.default_radius_m, settings.max_radius_m),
        "maxRadius": settings.max_radius_m,
        "listLimit": min(settings.default_limit, settings.max_limit),
        "viewLimit": min(VIEW_LIMIT, settings.max_limit),
        "viewMinZoom": VIEW_MIN_ZOOM,
        "markerMaxZoom": MARKER_MAX_ZOOM,
        "basemapMinZoom": BASEMAP_MIN_ZOOM,
        "hasBasemap": region.has_basemap,
        "criteria": [{"key": c.name, "label": c.name.title(), "live": c.live}
                     for c in REGISTRY],
        "api": {"venues": url_for("api.venues"), "places": url_for("api.places"),
                "basemap": url_for("api.basemap")},
    }


def _cached_parts(region: RegionSummary, settings: "Settings") -> Optional[MapParts]:
    """folium's output for this app and mount point, rendered once (it never changes)."""
    if missing_vendor_files():
        return None
    cache: dict[str, MapParts] = current_app.extensions.setdefault("venuefinder.map", {})
    key = request.script_root
    if key not in cache:
        cache[key] = build_map(region, settings, url_for("static", filename="vendor/"))
    return cache[key]


@bp.get("/")
def index() -> Response:
    """The map page."""
    region = current_summary()
    settings = current_settings()
    parts = _cached_parts(region, settings)
    return render_page(
        "index.html", no_store=False,
        parts=parts,
        config=page_config(region, settings, parts.name if parts else None),
        kinds=region.kinds,
        radii=radius_choices(settings),
        default_radius=min(settings.default_radius_m, settings.max_radius_m),
        region_label=region_name(region),
        search_placeholder=search_placeholder(region),
        search_coordinates=example_coordinates(region),
        venue_count=region.venue_count,
        install_command=INSTALL_COMMAND,
    )
