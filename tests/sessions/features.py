"""Hand-built venue features, shaped as ``Region.venue(id)`` gives them."""

from __future__ import annotations

import math
from typing import Any, Optional

#: Kaisaniemi, Helsinki.
LAT, LON = 60.1750, 24.9450
#: Metres per degree of latitude, and of longitude at LAT (good to ~0.5 % at this size).
M_PER_DEG_LAT = 111_200.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT))


def rectangle(width_m: float, height_m: float, lat: float = LAT,
              lon: float = LON) -> dict[str, Any]:
    """A GeoJSON polygon *width_m* east-west by *height_m* north-south, its south-west
    corner at (lat, lon)."""
    dlon, dlat = width_m / M_PER_DEG_LON, height_m / M_PER_DEG_LAT
    ring = [[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat], [lon, lat + dlat],
            [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def venue(kind: str = "pitch", longest_run_m: float = 110.0, usable_area_m2: float = 5000.0,
          lit: Optional[str] = "yes", score: float = 82.0, confidence: float = 75.0,
          hazard_count: Optional[int] = 0, hazards: str = "No open hazard reports",
          room: str = "Longest straight run 110 m inside a 5,000 m² open area",
          vetoed_by: Optional[str] = None, venue_id: str = "way/100",
          name: Optional[str] = "Kaisaniemi field", geometry: Optional[dict] = None,
          label: str = "Football pitch in Kaisaniemen puisto", sport: Optional[str] = None,
          lanes: Any = None, scores: Optional[dict[str, float]] = None,
          obstacles: str = "2 benches") -> dict[str, Any]:
    """A venue feature with the properties the sessions read."""
    properties: dict[str, Any] = {
        "id": venue_id, "name": name, "label": label, "kind": kind, "score": score,
        "confidence": confidence, "vetoed_by": vetoed_by, "lit": lit,
        "longest_run_m": longest_run_m, "usable_area_m2": usable_area_m2,
        "sport": sport, "lanes": lanes,
        "scores": scores or {"traffic": 70.0, "flatness": 90.0, "surface": 85.0,
                             "room": 88.0, "obstacles": 80.0, "hazards": 100.0},
        "reasons": {"room": room, "hazards": hazards, "traffic": "Busy road 20 m away",
                    "obstacles": obstacles},
    }
    if hazard_count is not None:
        properties["hazard_count"] = hazard_count
    return {"type": "Feature", "id": venue_id,
            "geometry": geometry or rectangle(110.0, 60.0), "properties": properties}


def track(lap_m: float = 400.0, **kwargs: Any) -> dict[str, Any]:
    """A loop track as the room criterion describes one."""
    return venue(kind="track", longest_run_m=lap_m, usable_area_m2=lap_m * 5.0,
                 room=f"{lap_m:,.0f} m lap: room for intervals", **kwargs)
