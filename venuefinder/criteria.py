"""The criteria, declared once: name, default weight, label, question, veto, live or static,
the extra per-venue properties each returns.

A leaf below every room: the settings' weights (:mod:`venuefinder.config`), ``combine``, the
CLI table, the API's feature properties and OpenAPI document, and the ingest-file check all
read :data:`REGISTRY`. The scoring functions live in :mod:`venuefinder.scoring`, one module
per criterion (``scoring/<name>.py`` defines ``score_<name>``); a new criterion is that
module plus one row here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: What a criterion's score rests on, strongest first: a measurement (DEM, geometry), OSM
#: tags someone mapped, or a guess by the kind of place.
EVIDENCE: tuple[str, ...] = ("measured", "tagged", "prior")
#: Evidence that counts towards ``confidence``.
EVIDENCE_KNOWN = frozenset({"measured", "tagged"})


@dataclass(frozen=True)
class Criterion:
    """One row of the registry.

    Attributes
    ----------
    name
        Key in ``scores``, ``reasons``, ``evidence`` and the weights; module
        ``venuefinder.scoring.<name>`` defines ``score_<name>``.
    weight
        Default weight in the combined score (normalised over all criteria on use).
    label
        Short heading (CLI table column, map popup).
    question
        What the criterion asks, for the OpenAPI document and the help.
    veto
        Whether a score below ``settings.veto_below`` caps the combined score.
    live
        Scored per request from the store (hazard reports), not cached with the region.
    properties
        Extra per-venue columns the criterion returns, copied into the venue frame and the
        feature properties (e.g. ``longest_run_m``).
    geometry_only
        Reads nothing but the venues themselves, and costs: on a big region it is scored in
        a second process while the others are scored here (see :func:`score_venues`).
    """

    name: str
    weight: float
    label: str
    question: str
    veto: bool = True
    live: bool = False
    properties: tuple[str, ...] = field(default=())
    geometry_only: bool = False


REGISTRY: tuple[Criterion, ...] = (
    Criterion("traffic", 0.30, "traffic", "How far is the nearest motor traffic?"),
    Criterion("flatness", 0.20, "flat", "Is the ground level?"),
    Criterion("surface", 0.15, "surface", "Is the ground even and forgiving?"),
    Criterion("room", 0.20, "room", "How far can one run in a straight line, in how much "
              "space?", properties=("longest_run_m", "usable_area_m2"), geometry_only=True),
    Criterion("obstacles", 0.15, "obstacles", "What stands in the way or crosses it?",
              properties=("obstacle_count",)),
    # Live: from the store's open reports, per request; no weight (see scoring/hazards.py).
    Criterion("hazards", 0.0, "hazards", "Have runners reported hazards here?", live=True,
              properties=("hazard_count",)),
)
CRITERIA: tuple[str, ...] = tuple(c.name for c in REGISTRY)
BY_NAME: dict[str, Criterion] = {c.name: c for c in REGISTRY}
#: Columns the criteria add to a venue row beside ``score_<c>``, ``reason_<c>``,
#: ``evidence_<c>``.
CRITERION_PROPERTIES: tuple[str, ...] = tuple(p for c in REGISTRY for p in c.properties)


def scored_columns() -> list[str]:
    """Columns a frame of venues scored on every static criterion holds."""
    columns = ["score", "confidence", "vetoed_by", "note", "rank"]
    for c in REGISTRY:
        if not c.live:
            columns += [f"score_{c.name}", f"reason_{c.name}", f"evidence_{c.name}",
                        *c.properties]
    return columns
