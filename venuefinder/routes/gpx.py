"""Routes as GPX 1.1 (gpxpy): one track per route, in running direction, best first."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .route import Route


def to_gpx(routes: "list[Route]") -> str:
    """A GPX 1.1 document with one track per route; its description carries the score,
    the direction to run, where to run forwards, and the warnings."""
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.creator = "venuefinder"
    for rank, route in enumerate(routes, 1):
        what = "Way there" if route.kind == "way_to" else "Loop"
        track = gpxpy.gpx.GPXTrack(
            name=f"{rank}. {what}, {route.length_m / 1000:.2f} km, score {route.score:.0f}")
        lines = [f"Run {route.direction}."] if route.kind == "loop" else []
        lines += [f"Run forwards from {s['from_m'] / 1000:.2f} to {s['to_m'] / 1000:.2f} km "
                  f"({s['grade_pct']:.0f} %)." for s in route.forward_stretches]
        lines += [f"{w[:1].upper()}{w[1:]}." for w in route.warnings]
        track.description = " ".join(lines) or None
        segment = gpxpy.gpx.GPXTrackSegment()
        segment.points.extend(gpxpy.gpx.GPXTrackPoint(latitude=round(float(lat), 7),
                                                      longitude=round(float(lon), 7))
                              for lon, lat in route.coords)
        track.segments.append(segment)
        gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")
