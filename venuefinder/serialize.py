"""One serializer for venues: the CLI's GeoJSON and the web API's are the same features.

A feature's ``properties``:

``id``, ``name``, ``kind``
    from the venue schema (``name`` the OSM name, or ``None``);
``label``
    what to call it: a human name, never empty, distinct within the region
    (:mod:`venuefinder.labels`);
``score``
    combined 0–100 score (rounded to 1 decimal);
``scores``
    criterion → 0–100, for every criterion of :data:`venuefinder.scoring.REGISTRY`
    (``traffic``, ``flatness``, ``surface``, ``room``, ``obstacles``; ``hazards`` when a
    store is read);
``reasons``
    the same keys → the sentence behind each score;
``evidence``
    the same keys → ``measured``, ``tagged`` or ``prior`` (a guess by kind);
``confidence``
    0–100: the weight share of the criteria resting on measured or tagged evidence;
``vetoed_by``
    the criterion that capped the combined score, or ``None``;
``note``
    a ranking rule that moved the score (a safe running track lifted, guesses capped), or
    ``None``;
``longest_run_m``, ``usable_area_m2``, ``obstacle_count``
    what the room and obstacles criteria measured;
``distance_m``
    metres from the searched point to the venue (0 inside it), or ``None`` without a point;
``area_m2``, ``surface``, ``smoothness``, ``lit``, ``sport``, ``access``, ``incline``,
``lanes``
    evidence from the tags;
``meeting_point``
    where a group would meet: ``{"lat", "lon", "kind", "reason"}`` (an entrance, a gate in
    its fence, its edge nearest a footpath, or its middle), or ``None`` for a venue file
    ingested before meeting points were suggested;
``osm_url``
    the object on openstreetmap.org.
"""

from __future__ import annotations

import json
import math
from typing import Any, Mapping, Optional

from .criteria import CRITERIA, CRITERION_PROPERTIES

TAG_PROPERTIES = ("surface", "smoothness", "lit", "sport", "access", "incline", "lanes")


def _clean(value: Any) -> Any:
    """None for missing values (NaN, pandas NA), plain Python types otherwise."""
    if value is None:
        return None
    try:
        if value != value:  # NaN and pandas.NA
            return None
    except TypeError:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def venue_properties(row: Mapping[str, Any], distance_m: Optional[float]) -> dict[str, Any]:
    """The properties of one venue feature; *row* is a scored venue row (a live criterion
    appears when the row was scored with it)."""
    osm_type, _, osm_id = str(row["id"]).partition("/")
    criteria = [c for c in CRITERIA if f"score_{c}" in row]
    props: dict[str, Any] = {
        "id": row["id"],
        "name": _clean(row.get("name")),
        "label": str(row["label"]),
        "kind": row["kind"],
        "score": round(float(row["score"]), 1),
        "scores": {c: round(float(row[f"score_{c}"]), 1) for c in criteria},
        "reasons": {c: str(row[f"reason_{c}"]) for c in criteria},
        "evidence": {c: str(row[f"evidence_{c}"]) for c in criteria},
        "confidence": int(round(float(row["confidence"]))),
        "vetoed_by": _clean(row.get("vetoed_by")),
        "note": _clean(row.get("note")),
        "distance_m": None if distance_m is None or math.isnan(distance_m)
        else round(float(distance_m), 1),
        "area_m2": round(float(row["area_m2"]), 1),
    }
    for key in CRITERION_PROPERTIES:
        if key in row:
            props[key] = _clean(row[key])
    for key in TAG_PROPERTIES:
        props[key] = _clean(row.get(key))
    props["meeting_point"] = meeting_point(row)
    props["osm_url"] = f"https://www.openstreetmap.org/{osm_type}/{osm_id}"
    return props


def meeting_point(row: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    """The suggested meeting point of a scored venue row, or None when it has none."""
    lat, lon = _clean(row.get("meeting_lat")), _clean(row.get("meeting_lon"))
    if lat is None or lon is None:
        return None
    return {"lat": float(lat), "lon": float(lon), "kind": str(row["meeting_kind"]),
            "reason": str(row["meeting_reason"])}


def feature(properties: dict[str, Any], geometry_json: str) -> dict[str, Any]:
    """A GeoJSON Feature from properties and a geometry already serialised as GeoJSON."""
    return {"type": "Feature", "id": properties["id"], "geometry": json.loads(geometry_json),
            "properties": properties}


def feature_collection(features: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (WGS84); *extra* members (e.g. the query) are kept."""
    return {"type": "FeatureCollection", "features": features, **extra}
