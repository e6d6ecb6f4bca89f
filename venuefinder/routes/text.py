"""Routes as the CLI's table: one block per route, best first, with what to watch for."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .route import Route


def routes_table(routes: "list[Route]", lat: float, lon: float) -> str:
    """Readable text: per route its score, length, climb, the direction to run it, where
    to run forwards, the laps, its reasons and warnings."""
    if not routes:
        return f"No route from {lat:.5f},{lon:.5f}."
    what = "Way there" if routes[0].kind == "way_to" else "Loops"
    lines = [f"{what} from {lat:.5f},{lon:.5f} (best first):"]
    for rank, route in enumerate(routes, 1):
        climb = "" if route.climb_m is None else f", climbs {route.climb_m:.0f} m"
        head = (f"{rank}. score {route.score:.0f}  {route.length_m / 1000:.2f} km{climb}, "
                f"run {route.direction}")
        if route.laps:
            head += f", {route.laps['count']} × {route.laps['lap_m']:.0f} m laps"
        lines += ["", head]
        lines += [f"   run forwards {s['from_m'] / 1000:.2f}–{s['to_m'] / 1000:.2f} km "
                  f"({s['grade_pct']:.0f} %)" for s in route.forward_stretches]
        lines += [f"   {criterion}: {reason}" for criterion, reason in route.reasons.items()]
        lines += [f"   ! {warning}" for warning in route.warnings]
    return "\n".join(lines)
