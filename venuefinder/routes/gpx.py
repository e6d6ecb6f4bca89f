"""Routes as GPX 1.1 (gpxpy): one track per route, in running direction, best first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .route import Route


def to_gpx(routes: "list[Route]") -> str:
    """A GPX 1.1 document with one track per route (heights as ``<ele>`` when a DEM gave
    them); its name says the laps, its description the direction to run and the warnings
    (each once: where to run forwards is one of them)."""
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.creator = "venuefinder"
    for rank, route in enumerate(routes, 1):
        what = "Way there" if route.kind == "way_to" else "Loop"
        laps = f", {laps_phrase(route.laps)}" if route.laps else ""
        track = gpxpy.gpx.GPXTrack(
            name=f"{rank}. {what}{laps}, {route.length_m / 1000:.2f} km, "
                 f"score {route.score:.0f}")
        lines = [f"Run {route.direction}."] if route.kind == "loop" else []
        lines += [f"{w[:1].upper()}{w[1:]}." for w in dict.fromkeys(route.warnings)]
        track.description = " ".join(lines) or None
        segment = gpxpy.gpx.GPXTrackSegment()
        heights = route.heights if route.heights is not None else [None] * len(route.coords)
        segment.points.extend(
            gpxpy.gpx.GPXTrackPoint(latitude=round(float(lat), 7),
                                    longitude=round(float(lon), 7),
                                    elevation=None if h is None else round(float(h), 1))
            for (lon, lat), h in zip(route.coords, heights))
        track.segments.append(segment)
        gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")


def laps_phrase(laps: dict[str, Any]) -> str:
    """``"5 laps of the field"``, ``"6 laps of the track"``, ``"3 laps of the loop"``."""
    count = laps["count"]
    return f"{count} lap{'s' if count > 1 else ''} of the {laps['of']}"
