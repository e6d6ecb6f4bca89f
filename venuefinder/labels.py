"""A human name for every venue, distinct within a region: what the list, the popup, the
session pages and the calendar call it.

A venue's label is, from what its tags and the map around it say
(words from :mod:`venuefinder.vocabulary.labels`):

1. named: its name and what it is, ``Töölön pallokenttä — football pitch`` (just the name
   when it already says so: ``Central Park``);
2. unnamed: what it is and where, the first of the named area it lies in
   (``Lawn in Kaisaniemenpuisto``, ``Football pitch at Estadi Comunal``), the nearest named
   street or path within :data:`STREET_REACH_M` (``Lawn by Unioninkatu``), the unnamed
   stadium, sports centre or school it lies in (``Football pitch at a school``), and the
   nearest named settlement within :data:`PLACE_REACH_M` (``Meadow near Sispony``);

and when two venues of the region would still share a label, each of them gets, in turn
until they differ: where it lies among the others sharing it (``(north)``), its size
(``(north, 1.2 ha)``), a number (``(north, 1.2 ha, no. 2)``). Distinct within the region,
a label is distinct within any answer.

Labels are made once, when the region is scored (:func:`venue_labels`): a few vectorised
STRtree queries whatever the number of venues.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .vocabulary import first_value
from .vocabulary.labels import (CONTEXT_AREAS, HIGHWAY_WORDS, NAMED_ONLY_CONTEXT,
                                NEAR_PLACES, venue_word, with_article)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS

#: A named street or path this close (metres) to a venue's edge is where it lies.
STREET_REACH_M = 150.0
#: Ways whose name says where a venue lies: streets and paths a group would walk along
#: (not steps, nor an indoor corridor).
STREET_HIGHWAYS = frozenset(HIGHWAY_WORDS) - {"steps", "corridor"}
#: With no such street, the nearest named settlement this close (metres) is where it lies.
PLACE_REACH_M = 3_000.0
#: Compass points, clockwise from north, for where a venue lies among its namesakes.
COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west",
           "north-west")
#: A venue this share of its namesakes' spread from their middle lies in the middle.
MIDDLE_SHARE = 0.15


def venue_labels(venues: "gpd.GeoDataFrame", features: "gpd.GeoDataFrame",
                 crs: "CRS") -> "np.ndarray":
    """The label of every venue (see the module docstring).

    Parameters
    ----------
    venues
        Venues in the venue schema (:mod:`venuefinder.venues`), WGS84: ``id``, ``name``,
        ``kind``, ``sport``, ``area_m2``, geometry.
    features
        The region's OSM features (WGS84) with ``id``, ``name`` and any of ``leisure``,
        ``landuse``, ``amenity`` and ``highway`` (missing ones count as untagged).
    crs
        The region's metric CRS.

    Returns
    -------
    numpy.ndarray
        One non-empty label per venue, in order, no two alike.
    """
    import shapely

    n = len(venues)
    if n == 0:
        return np.zeros(0, dtype=object)
    geoms = venues.geometry.to_crs(crs).to_numpy()
    inner = shapely.point_on_surface(geoms)
    ids = venues["id"].to_numpy(dtype=object)
    sports = first_value(venues["sport"]).to_numpy(dtype=object, na_value=None)
    words = np.array([venue_word(k, s) for k, s in zip(venues["kind"], sports)], dtype=object)
    names = _names(venues["name"])

    areas = context_areas(features, crs)
    named_area, unnamed_area = _areas(inner, ids, areas)
    street = _nearest_named(geoms, features, crs, "highway", STREET_HIGHWAYS, STREET_REACH_M,
                            (1, 5), "by")
    street = np.where(street != "", street, _nearest_named(
        geoms, features, crs, "place", NEAR_PLACES, PLACE_REACH_M, (0,), "near"))

    where = [a or s or u for a, s, u in zip(named_area, street, unnamed_area)]
    base = np.array([_named(name, word) if name else " ".join(filter(None, (word, at)))
                     for name, word, at in zip(names, words, where)], dtype=object)
    return _distinct(base, inner, venues["area_m2"].to_numpy(dtype=float))


def context_areas(features: "gpd.GeoDataFrame", crs: "CRS") -> "gpd.GeoDataFrame":
    """Areas a venue may be said to lie in (:data:`CONTEXT_AREAS`): ``id``, ``name`` (None
    when unnamed), ``word``, ``preposition`` and the area, geometry in *crs*; an unnamed
    area only when it is worth saying unnamed (``at a stadium``, not ``in a park``)."""
    import geopandas as gpd
    import shapely

    polygons = np.isin(shapely.get_type_id(features.geometry.to_numpy()), (3, 6))
    word = np.full(len(features), None, dtype=object)
    preposition = np.full(len(features), None, dtype=object)
    for key, values in CONTEXT_AREAS.items():  # the first key that says it wins
        if key not in features:
            continue
        column = features[key].to_numpy(dtype=object)
        for value, (what, prep) in values.items():
            hit = (column == value) & (word == None)  # noqa: E711 - elementwise
            word[hit], preposition[hit] = what, prep
    # Names are cleaned only where a word was found: a city has hundreds of thousands.
    names = np.full(len(features), "", dtype=object)
    worded = polygons & (word != None)  # noqa: E711 - elementwise
    names[worded] = _names(features["name"].to_numpy(dtype=object)[worded])
    keep = worded & ((names != "") | ~np.isin(word, list(NAMED_ONLY_CONTEXT)))
    frame = gpd.GeoDataFrame(
        {"id": features["id"].to_numpy(dtype=object)[keep],
         "name": np.where(names[keep] != "", names[keep], None),
         "word": word[keep], "preposition": preposition[keep]},
        geometry=features.geometry.to_numpy()[keep], crs=features.crs).to_crs(crs)
    frame["area"] = frame.geometry.area.to_numpy()
    return frame


def _areas(inner: "np.ndarray", ids: "np.ndarray", areas: "gpd.GeoDataFrame"
            ) -> tuple["np.ndarray", "np.ndarray"]:
    """Per venue (a point inside it, its id): the phrase of the smallest named area it lies
    in (``in Kaisaniemenpuisto``) and of the smallest unnamed one (``at a school``), ``""``
    for none. A venue does not lie in itself."""
    import shapely

    n = len(inner)
    named, unnamed = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    if areas.empty:
        return named, unnamed
    venue_of, area_of = shapely.STRtree(areas.geometry.to_numpy()).query(
        inner, predicate="within")
    other = areas["id"].to_numpy(dtype=object)[area_of] != ids[venue_of]
    venue_of, area_of = venue_of[other], area_of[other]
    area_names = areas["name"].to_numpy(dtype=object)
    has_name = np.array([isinstance(area_names[a], str) for a in area_of], dtype=bool)
    size = areas["area"].to_numpy(dtype=float)
    words, prepositions = areas["word"].to_numpy(object), areas["preposition"].to_numpy(object)
    for phrases, pick in ((named, has_name), (unnamed, ~has_name)):
        v, a = venue_of[pick], area_of[pick]
        order = np.lexsort((a, size[a], v))  # per venue, the smallest area first
        first = np.unique(v[order], return_index=True)[1]
        for venue, area in zip(v[order][first], a[order][first]):
            what = area_names[area] if phrases is named else with_article(words[area])
            phrases[venue] = f"{prepositions[area]} {what}"
    return named, unnamed


def _nearest_named(geoms: "np.ndarray", features: "gpd.GeoDataFrame", crs: "CRS",
                   key: str, values: "frozenset[str]", reach_m: float, types: tuple[int, ...],
                   preposition: str) -> "np.ndarray":
    """Per venue, ``<preposition> <name>`` of the nearest named feature of *features* with
    *key* in *values* and a geometry of *types* within *reach_m* of it, ``""`` for none."""
    import shapely

    out = np.full(len(geoms), "", dtype=object)
    if key not in features:
        return out
    keep = (np.isin(shapely.get_type_id(features.geometry.to_numpy()), types)
            & features[key].isin(values).to_numpy())
    names = np.full(len(features), "", dtype=object)
    names[keep] = _names(features["name"].to_numpy(dtype=object)[keep])
    keep &= names != ""
    if not keep.any():
        return out
    near = features.geometry.iloc[np.flatnonzero(keep)].to_crs(crs).to_numpy()
    venue_of, hit = shapely.STRtree(near).query_nearest(geoms, max_distance=reach_m,
                                                        all_matches=False)
    out[venue_of] = [f"{preposition} {name}" for name in names[keep][hit]]
    return out


def _names(values: "pd.Series | np.ndarray") -> "np.ndarray":
    """Each name with its spaces collapsed, ``""`` for none."""
    return np.array([" ".join(v.split()) if isinstance(v, str) else "" for v in values],
                    dtype=object)


def _named(name: str, word: str) -> str:
    """A named venue's head: its name, and what it is unless the name says so."""
    if word.split()[-1].lower() in name.lower():
        return name
    return f"{name} — {word.lower()}"


def _distinct(labels: "np.ndarray", inner: "np.ndarray", area_m2: "np.ndarray"
              ) -> "np.ndarray":
    """*labels*, each one shared by several venues made distinct (the module docstring's
    order)."""
    notes: list[list[str]] = [[] for _ in labels]
    for note in (_where_among, _size, _number):
        shared = _shared(_noted(labels, notes))
        if not shared.any():
            break
        for rows in _groups(_noted(labels, notes), shared):
            for row, text in zip(rows, note(rows, inner, area_m2)):
                notes[row].append(text)
    return _noted(labels, notes)


def _noted(labels: "np.ndarray", notes: list[list[str]]) -> "np.ndarray":
    return np.array([f"{label} ({', '.join(note)})" if note else label
                     for label, note in zip(labels, notes)], dtype=object)


def _shared(labels: "np.ndarray") -> "np.ndarray":
    """Whether each label is another's too."""
    _, inverse, counts = np.unique(labels.astype(str), return_inverse=True, return_counts=True)
    return counts[inverse] > 1


def _groups(labels: "np.ndarray", shared: "np.ndarray") -> list["np.ndarray"]:
    """Rows of each label that *shared* marks, by label, each in row order."""
    rows = np.flatnonzero(shared)
    _, inverse = np.unique(labels[rows].astype(str), return_inverse=True)
    return [rows[inverse == g] for g in range(inverse.max() + 1)] if rows.size else []


def _where_among(rows: "np.ndarray", inner: "np.ndarray", area_m2: "np.ndarray") -> list[str]:
    """Where each of *rows* lies from their middle: a compass point, or ``middle``."""
    import shapely

    x, y = shapely.get_x(inner[rows]), shapely.get_y(inner[rows])
    dx, dy = x - x.mean(), y - y.mean()
    reach = np.hypot(dx, dy)
    sector = np.round(np.degrees(np.arctan2(dx, dy)) % 360.0 / 45.0).astype(int) % 8
    middle = reach <= MIDDLE_SHARE * max(reach.max(), 1e-9)
    return ["middle" if m else COMPASS[s] for m, s in zip(middle, sector)]


def _size(rows: "np.ndarray", inner: "np.ndarray", area_m2: "np.ndarray") -> list[str]:
    """Each of *rows*' size: ``450 m²`` (to 10 m²) or ``1.2 ha``."""
    return [f"{a / 10_000:.1f} ha" if a >= 10_000 else f"{round(a, -1):,.0f} m²"
            for a in area_m2[rows]]


def _number(rows: "np.ndarray", inner: "np.ndarray", area_m2: "np.ndarray") -> list[str]:
    """``no. 1``, ``no. 2``… in row order: the last resort."""
    return [f"no. {k}" for k in range(1, len(rows) + 1)]
