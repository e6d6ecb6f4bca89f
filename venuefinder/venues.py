"""Raw OSM features → the venue GeoDataFrame (and the roads, places and basemap beside it).

The venue schema, documented once here (and in the README):

==============  ==========  ===========================================================
column          type        meaning
==============  ==========  ===========================================================
``id``          str         OSM type/id: ``"way/123"``, ``"relation/45"``
``name``        str|None    ``name`` tag
``kind``        str         one of :data:`~venuefinder.vocabulary.KINDS`
``surface``     str|None    OSM ``surface``
``smoothness``  str|None    OSM ``smoothness``
``lit``         str|None    OSM ``lit``
``sport``       str|None    OSM ``sport``
``access``      str|None    OSM ``access`` (``private``/``no`` never get here)
``incline``     str|None    OSM ``incline``
``width``       str|None    OSM ``width`` (used for tracks drawn as lines)
``lanes``       str|None    OSM ``lanes`` (a track's lanes: its room and its lap)
``area_m2``     float       area in m² (a line track: length × width)
``geometry``    geometry    Polygon/MultiPolygon, or LineString for a track drawn as a line
==============  ==========  ===========================================================

Geometry is WGS84 at rest; all distances and areas are computed in one local UTM CRS per
region (:func:`local_crs`).

What counts as a venue (a safe open space to run backwards on) and why:

* ``leisure=track`` in any mapping form: an area, a multipolygon relation, a closed way
  drawn as its line (``area=no``, or also a ``highway=footway``: its lap is its length) or
  an open way (a straight); ``leisure=pitch``, ``leisure=stadium``: levelled, maintained,
  away from cars;
* ``leisure=recreation_ground``/``landuse=recreation_ground``, ``leisure=park``,
  ``landuse=grass``, ``landuse=village_green``, ``leisure=common``, and ``landuse=meadow``
  open to the public (``access=yes``…) or lying in a park or another leisure ground: open
  grass; the scores say how flat, smooth and quiet each one is;
* left out, each counted by its reason (:data:`LEFT_OUT`, logged and kept in the frame's
  ``attrs["left_out"]``): buildings (a grandstand mapped as ``building=yes``,
  ``leisure=stadium`` is a roof, not a field); ``access=private|no``; grounds and tracks
  for a sport whose ground is unsafe or not for running
  (:data:`~venuefinder.vocabulary.EXCLUDED_SPORTS`: ski pistes, cycling, BMX and trial,
  motor and karting, horse and dog racing, skate parks, climbing, swimming, shooting),
  unless a running sport is mapped beside it; a jump's runway or pit
  (``athletics=long_jump|triple_jump|high_jump|pole_vault`` or such a ``sport``): a short
  sand-ended straight, never a running track; farm meadows (``landuse=meadow`` with no
  public access and no leisure use around it); spaces under ``min_area_m2`` (verges and
  traffic islands mapped as grass) and line tracks shorter than ``min_track_length_m``.

Beside the venues, the same features give the roads (traffic), the obstacles inside venues,
the fences and walls that ring them, the stadiums that enclose them and the entrances,
gates and paths where a group meets; the OSM tags behind each live in
:mod:`venuefinder.vocabulary`.

Scoring adds ``score``, ``score_<criterion>``, ``reason_<criterion>``,
``evidence_<criterion>``, ``confidence``, ``vetoed_by`` and ``rank``
(:func:`venuefinder.scoring.score_venues`), and the suggested meeting point
``meeting_lat``, ``meeting_lon``, ``meeting_kind``, ``meeting_reason``
(:func:`venuefinder.meeting.suggest_meeting_points`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import shapely

from .meeting import FOOTPATH_REACH_M
from .vocabulary import (ENCLOSING_BARRIERS, ENCLOSURE_LEISURE, EXCLUDED_ACCESS,
                         EXCLUDED_SPORTS, GATE_BARRIERS, JUMP_EVENTS, MAP_GREEN_TAGS,
                         MAP_WATER_TAGS, MEETING_ENTRANCES, MOTOR_ROAD_CLASSES, PATH_CLASSES,
                         PUBLIC_ACCESS, RUNNABLE_PATH_CLASSES, RUNNING_SPORTS,
                         VENUE_LANDUSE_KINDS, VENUE_LEISURE_KINDS, first_value,
                         first_value_in, obstacle_categories)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS

    from .config import Settings

log = logging.getLogger(__name__)

VENUE_COLUMNS: tuple[str, ...] = (
    "id", "name", "kind", "surface", "smoothness", "lit", "sport", "access", "incline",
    "width", "lanes", "area_m2", "geometry",
)
#: Width of a track drawn as a single line when it has no usable ``width`` or ``lanes``
#: tag (4 lanes).
DEFAULT_TRACK_WIDTH_M = 5.0
#: Width of one lane of a running track (World Athletics: 1.22 m).
LANE_WIDTH_M = 1.22

#: Why a candidate is left out, in the order the rules are applied (the first that holds
#: is counted); see the module docstring.
LEFT_OUT: dict[str, str] = {
    "building": "a building, not open ground",
    "access": "private, or no access",
    "sport": "for a sport whose ground is unsafe or not for running",
    "jump": "a jump's runway or pit, not a running track",
    "farm meadow": "a farm meadow: no public access, no leisure use",
    "small": "too small to run on",
}


def local_crs(frame: "gpd.GeoDataFrame") -> "CRS":
    """The UTM zone of the region: one metric CRS for every distance and area."""
    crs = frame.estimate_utm_crs()
    if crs is None:  # pragma: no cover - estimate_utm_crs only fails on an empty frame
        raise ValueError("cannot choose a metric CRS for an empty region")
    return crs


def track_width_m(width: "pd.Series", lanes: "pd.Series") -> np.ndarray:
    """Width of a track's lanes (metres): its ``width`` tag, else ``lanes`` ×
    :data:`LANE_WIDTH_M`, else :data:`DEFAULT_TRACK_WIDTH_M`."""
    metres = pd_to_metres(width).to_numpy(dtype=float)
    by_lanes = track_lanes(lanes) * LANE_WIDTH_M
    metres = np.where(metres > 0, metres, by_lanes)
    return np.where(metres > 0, metres, DEFAULT_TRACK_WIDTH_M)


def track_lanes(lanes: "pd.Series") -> np.ndarray:
    """A track's ``lanes`` as a number (NaN when unmapped or not a whole number 1–12)."""
    import pandas as pd

    count = pd.to_numeric(lanes.astype("string").str.strip(), errors="coerce").to_numpy(
        dtype=float)
    return np.where((count >= 1) & (count <= 12) & (count == np.round(count)), count, np.nan)


def left_out(features: "gpd.GeoDataFrame", kind: "pd.Series") -> np.ndarray:
    """Why each feature of a venue *kind* is left out (a :data:`LEFT_OUT` key), ``""`` when
    it is kept (size apart: that needs the metric CRS). Features with no kind: ``""``.

    Parameters
    ----------
    features
        The features frame (WGS84).
    kind
        The venue kind of each feature (NaN for none), on the same index.
    """
    sport = features["sport"]
    runs = first_value_in(sport, RUNNING_SPORTS) != ""
    # The first sport is the place's main use; a running sport mapped beside it keeps it.
    other_sport = (first_value(sport).isin(EXCLUDED_SPORTS).to_numpy(dtype=bool)
                   | features["piste:type"].notna().to_numpy()) & ~runs
    jump = (first_value(features["athletics"]).isin(JUMP_EVENTS).to_numpy(dtype=bool)
            | first_value(sport).isin(JUMP_EVENTS).to_numpy(dtype=bool))
    is_kind = kind.notna().to_numpy()
    meadow = (kind == "meadow").to_numpy() & ~features["access"].isin(PUBLIC_ACCESS).to_numpy()
    if meadow.any():
        # A meadow lying in a park or another leisure ground is that ground's grass.
        grounds = is_kind & (kind != "meadow").to_numpy() & np.isin(
            shapely.get_type_id(features.geometry.values), (3, 6))
        inside = shapely.STRtree(features.geometry.values[grounds]).query(
            shapely.point_on_surface(features.geometry.values[meadow]), predicate="within")[0]
        meadow[np.flatnonzero(meadow)[np.unique(inside)]] = False
    building = features["building"].notna().to_numpy() & ~features["building"].isin(
        ("no",)).to_numpy()
    reason = np.select(
        [building, features["access"].isin(EXCLUDED_ACCESS).to_numpy(), other_sport, jump,
         meadow],
        ["building", "access", "sport", "jump", "farm meadow"], default="")
    return np.where(is_kind, reason, "").astype(object)


def select_venues(features: "gpd.GeoDataFrame", settings: "Settings",
                  crs: "CRS") -> "gpd.GeoDataFrame":
    """Venue candidates from the features frame, in the documented schema (WGS84).

    What is left out is counted by reason (:data:`LEFT_OUT`): logged, and kept in the
    result's ``attrs["left_out"]`` (reason key → count, reasons with none left out).

    Parameters
    ----------
    features
        The features frame of a source (see :mod:`venuefinder.sources`).
    settings
        ``min_area_m2`` and ``min_track_length_m`` are read.
    crs
        The region's metric CRS, used to measure areas and lengths.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    kind = features["leisure"].map(VENUE_LEISURE_KINDS)
    kind = kind.fillna(features["landuse"].map(VENUE_LANDUSE_KINDS))
    geom_type = shapely.get_type_id(features.geometry.values)
    is_polygon = np.isin(geom_type, (3, 6))
    is_line_track = np.isin(geom_type, (1, 5)) & (kind == "track").to_numpy()
    kind = kind.where(is_polygon | is_line_track)
    reason = left_out(features, kind)
    keep = kind.notna().to_numpy() & (reason == "")

    venues = features.loc[keep].copy()
    venues["kind"] = kind[keep]
    metric = venues.geometry.to_crs(crs)
    polygon = is_polygon[keep]
    width = track_width_m(venues["width"], venues["lanes"])
    length = metric.length.to_numpy()
    area = np.where(polygon, metric.area.to_numpy(), length * width)
    big_enough = np.where(polygon, area >= settings.min_area_m2,
                          length >= settings.min_track_length_m)
    venues["area_m2"] = np.round(area, 1)
    venues = venues.loc[big_enough]
    for column in VENUE_COLUMNS:
        if column not in venues:
            venues[column] = None
    venues = venues[list(VENUE_COLUMNS)].reset_index(drop=True)
    venues = venues.astype({c: object for c in VENUE_COLUMNS if c not in ("area_m2", "geometry")})
    venues = venues.where(venues.notna(), None)
    venues = gpd.GeoDataFrame(venues, geometry="geometry", crs="EPSG:4326")
    counts = pd.Series(reason[reason != ""]).value_counts().to_dict()
    if (~big_enough).any():
        counts["small"] = int((~big_enough).sum())
    venues.attrs["left_out"] = {key: int(counts[key]) for key in LEFT_OUT if key in counts}
    log.info("%d venues; left out: %s", len(venues), ", ".join(
        f"{count} {LEFT_OUT[key]}" for key, count in venues.attrs["left_out"].items())
        or "none")
    return venues


def select_roads(features: "gpd.GeoDataFrame") -> "gpd.GeoDataFrame":
    """Roads carrying motor traffic: ``id``, ``name``, ``highway``, ``road_class``,
    ``maxspeed_kmh`` (NaN when unmapped or not numeric), ``geometry`` (WGS84 lines)."""
    import geopandas as gpd
    import shapely

    road_class = features["highway"].map(MOTOR_ROAD_CLASSES)
    lines = np.isin(shapely.get_type_id(features.geometry.values), (1, 5))
    no_cars = features["motor_vehicle"].isin(("no",)).to_numpy()
    keep = road_class.notna().to_numpy() & lines & ~no_cars
    roads = features.loc[keep, ["id", "name", "highway", "maxspeed", "geometry"]].copy()
    roads["road_class"] = road_class[keep]
    roads["maxspeed_kmh"] = parse_maxspeed(roads["maxspeed"])
    roads = roads.drop(columns="maxspeed").reset_index(drop=True)
    return gpd.GeoDataFrame(roads, geometry="geometry", crs=features.crs)


def parse_maxspeed(values: "pd.Series") -> "pd.Series":
    """OSM ``maxspeed`` → km/h: ``"50"``, ``"30 mph"``, ``"FI:urban"`` (50), else NaN.

    Zone values read as their limit, as ``zone:maxspeed``, ``maxspeed:type`` and
    ``source:maxspeed`` give them: ``DE:zone30``, ``DE:zone:30``, ``DE:30`` (30);
    in countries that sign miles an hour, ``GB:zone20`` is 20 mph.
    """
    import pandas as pd

    # A region's roads carry a few dozen distinct values: parse those, then spread them.
    codes, distinct = pd.factorize(values)
    if len(distinct) == 0:
        return pd.Series(np.nan, index=values.index, dtype=float)
    parsed = _parse_maxspeed(pd.Series(distinct, dtype=object)).to_numpy(dtype=float)
    return pd.Series(np.where(codes >= 0, parsed[codes], np.nan), index=values.index,
                     dtype=float)


def _parse_maxspeed(values: "pd.Series") -> "pd.Series":
    """:func:`parse_maxspeed` of each value."""
    import pandas as pd

    text = values.astype("string").str.strip().str.lower()
    number = pd.to_numeric(text.str.extract(r"^(\d+(?:\.\d+)?)")[0], errors="coerce").astype(float)
    mph = text.str.contains("mph", na=False)
    number = number.where(~mph, number * 1.609)
    zones = {"urban": 50.0, "rural": 80.0, "walk": 7.0, "living_street": 20.0,
             "motorway": 120.0, "trunk": 100.0}
    zone = text.str.extract(r"^[a-z]{2}:(\w+)")[0].map(zones).astype(float)
    limit = text.str.extract(r"^([a-z]{2}):(?:zone:?)?(\d+(?:\.\d+)?)$")
    in_zone = pd.to_numeric(limit[1], errors="coerce").astype(float)
    mph_countries = ("gb", "uk", "us", "lr", "mm")  # their zones are signed in mph
    in_zone = in_zone.where(~limit[0].isin(mph_countries), in_zone * 1.609)
    return number.fillna(zone).fillna(in_zone)


def pd_to_metres(values: "pd.Series") -> "pd.Series":
    """OSM lengths (``"6"``, ``"6 m"``, ``"6.5"``) → float metres, NaN when not numeric."""
    import pandas as pd

    text = values.astype("string").str.strip()
    return pd.to_numeric(text.str.extract(r"^(\d+(?:\.\d+)?)\s*m?$")[0],
                         errors="coerce").astype(float)


def select_places(features: "gpd.GeoDataFrame", crs: "CRS") -> "pd.DataFrame":
    """Named features for offline place search: ``name``, ``kind``, ``lat``, ``lon``.

    Streets split into many ways are merged into one place per name; the point is a spot on
    the feature (not a centroid that may fall outside a bent street or a park's hole).
    """
    import pandas as pd
    import shapely

    named = features.loc[features["name"].notna()]
    kind = (named["place"].fillna(named["railway"]).fillna(named["public_transport"])
            .fillna(named["leisure"]).fillna(named["landuse"]).fillna(named["natural"])
            .fillna(named["highway"].where(named["highway"].isin(MOTOR_ROAD_CLASSES)
                                           | named["highway"].isin(PATH_CLASSES))))
    named = named.assign(kind=kind).loc[kind.notna()]
    if named.empty:
        return pd.DataFrame(columns=["name", "kind", "lat", "lon"])
    metric = named.geometry.to_crs(crs)
    groups = pd.DataFrame({"name": named["name"].to_numpy(), "kind": named["kind"].to_numpy(),
                           "geometry": metric.to_numpy()})
    merged = groups.groupby(["name", "kind"], sort=False)["geometry"].agg(
        lambda parts: shapely.union_all(np.asarray(parts)))
    points = shapely.point_on_surface(merged.to_numpy())
    import geopandas as gpd

    wgs = gpd.GeoSeries(points, crs=crs).to_crs("EPSG:4326")
    places = merged.index.to_frame(index=False)
    places["lat"] = np.round(wgs.y.to_numpy(), 6)
    places["lon"] = np.round(wgs.x.to_numpy(), 6)
    return places


def select_basemap(features: "gpd.GeoDataFrame") -> "gpd.GeoDataFrame":
    """Light basemap layers drawn when tiles are off: ``layer`` in road, path, water,
    building, green; ``geometry`` in WGS84."""
    import geopandas as gpd

    highway = features["highway"]
    layer = np.select(
        [
            highway.isin(MOTOR_ROAD_CLASSES).to_numpy(),
            highway.isin(PATH_CLASSES).to_numpy(),
            features["waterway"].notna().to_numpy() | _tagged(features, MAP_WATER_TAGS),
            features["building"].notna().to_numpy(),
            _tagged(features, MAP_GREEN_TAGS),
        ],
        ["road", "path", "water", "building", "green"],
        default="",
    )
    keep = layer != ""
    return gpd.GeoDataFrame({"layer": layer[keep]}, geometry=features.geometry.values[keep],
                            crs=features.crs)


def _tagged(features: "pd.DataFrame", tags: "dict[str, frozenset[str]]") -> np.ndarray:
    """Whether each feature carries one of *tags* (``key → values``)."""
    return np.logical_or.reduce([features[key].isin(values).to_numpy() for key, values
                                 in tags.items()])


#: How far (metres, roughly, in degrees at the venue's latitude) around a venue features
#: are kept for the obstacle, fence and enclosure checks: beyond the fence reach.
NEAR_VENUE_M = 10.0


def near_venues(features: "gpd.GeoDataFrame", venues: "gpd.GeoDataFrame",
                margin_m: float = NEAR_VENUE_M) -> "gpd.GeoDataFrame":
    """The features whose bounds come within about *margin_m* of a venue's bounds (WGS84,
    one vectorised STRtree query): a cheap cut before projecting."""
    import shapely

    if venues.empty or features.empty:
        return features.iloc[:0]
    lat = float(np.nanmean(venues.geometry.bounds[["miny", "maxy"]].to_numpy()))
    pad_lat = margin_m / 110_540.0
    pad_lon = margin_m / (111_320.0 * max(np.cos(np.radians(lat)), 0.01))
    b = venues.geometry.bounds.to_numpy()
    boxes = shapely.box(b[:, 0] - pad_lon, b[:, 1] - pad_lat, b[:, 2] + pad_lon,
                        b[:, 3] + pad_lat)
    # Bounds against boxes, no exact predicate: a cut, and the criteria measure exactly.
    hits = shapely.STRtree(boxes).query(features.geometry.values)[0]
    return features.iloc[np.unique(hits)]


def select_obstacles(features: "gpd.GeoDataFrame", exclude_ids: "np.ndarray",
                     crs: "CRS") -> "gpd.GeoDataFrame":
    """What a runner who cannot see would hit or trip on: ``id``, ``category``, ``name``,
    geometry in *crs*. Objects that are venues themselves (*exclude_ids*) are left out."""
    import geopandas as gpd

    lines = np.isin(shapely.get_type_id(features.geometry.values), (1, 5))
    category = obstacle_categories(features, lines)
    keep = (category != "") & ~features["id"].isin(exclude_ids).to_numpy()
    frame = gpd.GeoDataFrame({"id": features["id"].to_numpy()[keep],
                              "category": category[keep],
                              "name": features["name"].to_numpy(dtype=object)[keep]},
                             geometry=features.geometry.values[keep], crs=features.crs)
    return frame.to_crs(crs)


def select_barriers(features: "gpd.GeoDataFrame", crs: "CRS") -> "gpd.GeoDataFrame":
    """Fences and walls (lines; a closed one as its ring) that may ring a venue: ``id``,
    ``barrier``, geometry in *crs*."""
    import geopandas as gpd
    import shapely

    keep = features["barrier"].isin(ENCLOSING_BARRIERS).to_numpy(dtype=bool)
    geoms = features.geometry.values[keep]
    polygons = np.isin(shapely.get_type_id(geoms), (3, 6))
    geoms = np.asarray(geoms, dtype=object)
    geoms[polygons] = shapely.boundary(geoms[polygons])
    frame = gpd.GeoDataFrame({"id": features["id"].to_numpy()[keep],
                              "barrier": features["barrier"].to_numpy(dtype=object)[keep]},
                             geometry=geoms, crs=features.crs)
    return frame.to_crs(crs)


def select_enclosures(features: "gpd.GeoDataFrame", crs: "CRS") -> "gpd.GeoDataFrame":
    """Stadium and sports-centre areas, whose fields are enclosed: ``id``, ``leisure``,
    ``name``, geometry in *crs*."""
    import geopandas as gpd
    import shapely

    keep = (features["leisure"].isin(ENCLOSURE_LEISURE).to_numpy(dtype=bool)
            & np.isin(shapely.get_type_id(features.geometry.values), (3, 6)))
    frame = gpd.GeoDataFrame({"id": features["id"].to_numpy()[keep],
                              "leisure": features["leisure"].to_numpy(dtype=object)[keep],
                              "name": features["name"].to_numpy(dtype=object)[keep]},
                             geometry=features.geometry.values[keep], crs=features.crs)
    return frame.to_crs(crs)


def select_access(features: "gpd.GeoDataFrame", venues: "gpd.GeoDataFrame",
                  crs: "CRS") -> "gpd.GeoDataFrame":
    """Where people arrive at venues: entrances, gates and walkable paths within
    :data:`~venuefinder.meeting.FOOTPATH_REACH_M` of one, with ``entrance``,
    ``barrier``, ``highway`` and ``name``, in *crs* (what
    :func:`~venuefinder.meeting.suggest_meeting_points` reads)."""
    tagged = (features["entrance"].isin(MEETING_ENTRANCES)
              | features["barrier"].isin(GATE_BARRIERS)
              | features["highway"].isin(RUNNABLE_PATH_CLASSES)).to_numpy(dtype=bool)
    near = near_venues(features.loc[tagged, ["entrance", "barrier", "highway", "name",
                                             "geometry"]], venues, FOOTPATH_REACH_M)
    return near.to_crs(crs)
