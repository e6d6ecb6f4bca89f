"""Routes as GeoJSON: the one serializer of the CLI (``--format geojson``) and the API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from ..serialize import feature_collection

if TYPE_CHECKING:
    from .route import Route


def route_feature(route: "Route") -> dict[str, Any]:
    """A GeoJSON Feature: a WGS84 LineString in running direction, and properties."""
    return {"type": "Feature",
            "geometry": {"type": "LineString",
                         "coordinates": np.round(route.coords, 6).tolist()},
            "properties": {
                "kind": route.kind, "score": route.score, "reasons": route.reasons,
                "warnings": route.warnings, "length_m": round(route.length_m, 1),
                "climb_m": _round(route.climb_m, 1), "descent_m": _round(route.descent_m, 1),
                "max_downhill_pct": _round(route.max_downhill_pct, 1),
                "direction": route.direction, "forward_stretches": route.forward_stretches,
                "laps": route.laps, "retraced_m": round(route.retraced_m, 1),
                "crossings": route.crossings}}


def routes_feature_collection(routes: "list[Route]", **extra: Any) -> dict[str, Any]:
    """Routes as a GeoJSON FeatureCollection, in the order given (best first); *extra*
    members (e.g. the query) are kept."""
    return feature_collection([route_feature(route) for route in routes], **extra)


def _round(value: Optional[float], digits: int) -> Optional[float]:
    return None if value is None else round(float(value), digits)
