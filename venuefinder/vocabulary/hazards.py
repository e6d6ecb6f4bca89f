"""The hazard-report vocabulary, defined once: kinds, severities, lifetimes and thresholds.

The store (models, validation, migrations' checks), the web form and the ``hazards``
criterion all read these tables. A leaf module: it imports nothing of venuefinder and no
database library, so the pure criterion can use it.

How long an open report lives without anyone saying "still there" (:data:`EXPIRY`); a
confirmation or a repeated report renews it from that moment (:func:`lifetime`):

========  ========  ===============================================================
kind      lifetime  why
========  ========  ===============================================================
glass     3 days    swept up, blown or scattered away within days
flooding  3 days    water drains and ice melts; the next freeze is a new report
other     14 days   unknown cause: short, so unconfirmed noise fades quickly
obstacle  30 days   building-site fences, parked equipment, fallen branches
hill      30 days   unconfirmed: one person's word, which may be a fake; once a second
                    client confirms it, 365 days (:data:`CONFIRMED_EXPIRY`): terrain does
                    not change, but nothing two clients say lives for ever unseen
pothole   90 days   councils repair potholes within weeks to a few months
surface   180 days  broken or uneven paving is resurfaced on a season's scale
dark      180 days  lighting rarely changes, but a broken lamp does get fixed, so a
                    report must not outlive a year of not being confirmed
========  ========  ===============================================================

One client cannot sink a venue alone: the heaviest effects of reports (a veto, the
high-severity cap, a hill's steepest slope) need :data:`CORROBORATING_CLIENTS` distinct
clients, and a client may add at most :data:`REPORT_BUDGET` new reports within
:data:`REPORT_BUDGET_RADIUS_M` in :data:`REPORT_BUDGET_WINDOW`.
"""

from __future__ import annotations

from datetime import timedelta

#: Hazard kinds → the label a person reads (form, reasons).
KIND_LABELS: dict[str, str] = {
    "pothole": "pothole",
    "hill": "steep hill",
    "surface": "broken or uneven surface",
    "glass": "glass or debris",
    "flooding": "flooding or ice",
    "dark": "dark or unlit",
    "obstacle": "obstacle",
    "other": "other hazard",
}
KINDS: tuple[str, ...] = tuple(KIND_LABELS)

#: Severities, mildest first (a merge keeps the later, i.e. worse, of two).
SEVERITIES: tuple[str, ...] = ("low", "medium", "high")

#: Lifetime of an open report by kind; see the module docstring for the numbers.
EXPIRY: dict[str, timedelta] = {
    "glass": timedelta(days=3),
    "flooding": timedelta(days=3),
    "other": timedelta(days=14),
    "obstacle": timedelta(days=30),
    "hill": timedelta(days=30),
    "pothole": timedelta(days=90),
    "surface": timedelta(days=180),
    "dark": timedelta(days=180),
}
#: Distinct clients (the reporter included; an admin's restore counts as one) whose word the
#: heaviest effects need: a veto, the high-severity cap, a hill's steepest slope, and the
#: longer lifetimes of :data:`CONFIRMED_EXPIRY`.
CORROBORATING_CLIENTS = 2
#: Lifetime of a report :data:`CORROBORATING_CLIENTS` clients stand behind, for kinds whose
#: fact outlasts one person's word (see the module docstring).
CONFIRMED_EXPIRY: dict[str, timedelta] = {"hill": timedelta(days=365)}


def lifetime(kind: str, confirmations: int) -> timedelta:
    """How long an open report of *kind* lives from when it was last said to be there,
    given the distinct clients (*confirmations*) who said so."""
    if confirmations >= CORROBORATING_CLIENTS:
        return CONFIRMED_EXPIRY.get(kind, EXPIRY[kind])
    return EXPIRY[kind]


#: A report's life cycle: ``hidden`` waits for an admin's review.
STATUSES: tuple[str, ...] = ("open", "resolved", "hidden")
#: What a client may say about a report; each client counts once per action.
ACTIONS: tuple[str, ...] = ("confirm", "gone", "flag")

#: A report of the same kind this close to an open one confirms it instead of adding a row.
DEDUPE_RADIUS_M = 25.0
#: Largest radius a query for reports near a point answers (m): a city's reports, bounded.
HAZARD_QUERY_MAX_RADIUS_M = 50_000.0
#: Distinct clients saying "gone" that resolve a report.
GONE_TO_RESOLVE = 2
#: Distinct clients flagging a report that hide it until an admin reviews it.
FLAGS_TO_HIDE = 3
#: New reports (rows, not confirmations) one client may add within
#: :data:`REPORT_BUDGET_RADIUS_M` of a point in :data:`REPORT_BUDGET_WINDOW`: a runner
#: rarely meets ten hazards in one park in a day; an attacker's flood stops there.
REPORT_BUDGET = 10
REPORT_BUDGET_RADIUS_M = 1_000.0
REPORT_BUDGET_WINDOW = timedelta(days=1)
#: Longest description and flag reason, in characters.
DESCRIPTION_MAX = 500
#: Longest client id (a hash of the client's address: 64 hex characters for SHA-256).
CLIENT_MAX = 128
