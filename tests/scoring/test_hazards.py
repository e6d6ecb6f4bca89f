"""The hazards criterion on hand-built venues (EPSG:3067) and report points placed in metres."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import box

from venuefinder.config import Settings
from venuefinder.errors import InputError
from venuefinder.scoring.flatness import slope_to_score
from venuefinder.scoring.hazards import (
    HIGH_SEVERITY_CAP, HILL_SLOPE_PCT, KIND_WEIGHT, NO_REPORTS, PENALTY, REACH_M, hazard_scores,
    with_hill_reports,
)
from venuefinder.vocabulary.hazards import (
    CONFIRMED_EXPIRY, CORROBORATING_CLIENTS, EXPIRY, KINDS, SEVERITIES, lifetime,
)

from .conftest import CRS, X0, Y0, make_venues

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
VETO = Settings().veto_below
TO_WGS84 = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
#: Three 100 m × 60 m pitches, 1 km apart.
PITCHES = [box(X0 + i * 1000, Y0, X0 + i * 1000 + 100, Y0 + 60) for i in range(3)]


def make_hazards(*rows: dict) -> pd.DataFrame:
    """Report rows like the store's frame; ``x``/``y`` in EPSG:3067 become lat/lon; each
    row from a client of its own unless it names its ``reporter``."""
    records = []
    for i, row in enumerate(rows):
        row = dict(row)
        lon, lat = TO_WGS84.transform(row.pop("x"), row.pop("y"))
        age = row.pop("age_days", 0.0)
        kind = row.get("kind", "pothole")
        seen = NOW - timedelta(days=age)
        confirmations = row.get("confirmations", 1)
        record = {"id": i + 1, "kind": kind, "severity": "medium", "lat": lat, "lon": lon,
                  "confirmations": confirmations, "created_at": seen, "seen_at": seen,
                  "expires_at": seen + lifetime(kind, confirmations), "description": None,
                  "reporter": 100 + i}
        record.update(row)
        records.append(record)
    frame = pd.DataFrame(records, columns=["id", "kind", "severity", "lat", "lon",
                                           "confirmations", "created_at", "seen_at",
                                           "expires_at", "description", "reporter"])
    for column in ("created_at", "seen_at", "expires_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def score(*rows: dict, venues=None) -> pd.DataFrame:
    venues = make_venues(*({"geometry": g} for g in PITCHES)) if venues is None else venues
    return hazard_scores(venues, make_hazards(*rows), CRS, NOW, veto_below=VETO)


def test_the_tables_cover_the_vocabulary() -> None:
    assert set(KIND_WEIGHT) == set(KINDS) and set(PENALTY) == set(SEVERITIES)
    assert HIGH_SEVERITY_CAP < 75.0  # green starts at 75


def test_no_reports_scores_100_as_a_prior() -> None:
    result = score()
    assert result["score"].tolist() == [100.0] * 3
    assert result["reason"].tolist() == [NO_REPORTS] * 3
    assert result["evidence"].tolist() == ["prior"] * 3
    assert not result["high_severity"].any() and result["hazard_count"].sum() == 0
    assert result["cap"].tolist() == [100.0] * 3 and result["cap_note"].isna().all()


def test_reports_inside_and_within_15_m_count_and_20_m_does_not() -> None:
    result = score(
        {"x": X0 + 50, "y": Y0 + 30},              # inside pitch 0
        {"x": X0 + 1000 + 110, "y": Y0 + 30},      # 10 m east of pitch 1
        {"x": X0 + 2000 + 120, "y": Y0 + 30},      # 20 m east of pitch 2
    )
    assert result["hazard_count"].tolist() == [1, 1, 0]
    assert result["score"][0] == result["score"][1] < 100.0
    assert result["score"][2] == 100.0 and result["reason"][2] == NO_REPORTS
    assert result["evidence"].tolist() == ["tagged", "tagged", "prior"]
    assert REACH_M == 15.0


def test_one_report_can_count_for_two_venues() -> None:
    venues = make_venues({"geometry": box(X0, Y0, X0 + 50, Y0 + 50)},
                         {"geometry": box(X0 + 70, Y0, X0 + 120, Y0 + 50)})
    result = score({"x": X0 + 60, "y": Y0 + 25}, venues=venues)
    assert result["hazard_count"].tolist() == [1, 1]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("confirmations", [1, 2])
def test_one_high_severity_report_scores_below_40_however_weak(kind: str,
                                                               confirmations: int) -> None:
    # The weakest a report gets: seen just before it would expire.
    age = lifetime(kind, confirmations) / timedelta(days=1) - 0.01
    result = score({"x": X0 + 50, "y": Y0 + 30, "kind": kind, "severity": "high",
                    "age_days": age, "confirmations": confirmations})
    assert result["score"][0] < 40.0
    assert bool(result["high_severity"][0]) and not result["high_severity"][1:].any()
    if confirmations == 1:  # one person's word: listed and counted, but no cap
        assert result["cap"][0] == 100.0 and result["cap_note"][0] is None
    else:
        assert result["cap"][0] == HIGH_SEVERITY_CAP
        assert "high-severity" in result["cap_note"][0]


def test_severity_age_and_confirmations_order_the_scores() -> None:
    def one(**row) -> float:
        return float(score({"x": X0 + 50, "y": Y0 + 30, **row})["score"][0])

    assert one(severity="high") < one(severity="medium") < one(severity="low") < 100.0
    assert one(age_days=0) < one(age_days=20) < one(age_days=80)      # older weighs less
    assert one(confirmations=3) < one(confirmations=2) < one(confirmations=1)
    assert one(kind="pothole") < one(kind="surface") < one(kind="dark")
    # A confirmation a day ago outweighs the same report unconfirmed today.
    assert one(confirmations=2, age_days=1) < one(confirmations=1, age_days=0)


def test_reports_add_up() -> None:
    single = score({"x": X0 + 50, "y": Y0 + 30})["score"][0]
    double = score({"x": X0 + 50, "y": Y0 + 30},
                   {"x": X0 + 20, "y": Y0 + 10, "kind": "glass"})["score"][0]
    assert double < single


def test_the_numbers_follow_the_formula() -> None:
    # Medium pothole, unconfirmed, seen today: weight ½, penalty 0.25 + 0.30 × ½ = 0.40.
    result = score({"x": X0 + 50, "y": Y0 + 30})
    assert result["score"][0] == 60.0
    # Two of them: 100 × 0.6 × 0.6.
    result = score({"x": X0 + 50, "y": Y0 + 30}, {"x": X0 + 10, "y": Y0 + 10})
    assert result["score"][0] == 36.0


def test_the_reason_lists_the_reports_worst_first() -> None:
    result = score(
        {"x": X0 + 10, "y": Y0 + 10, "kind": "glass", "severity": "low", "age_days": 0.2},
        {"x": X0 + 50, "y": Y0 + 30, "kind": "pothole", "severity": "high",
         "confirmations": 4, "age_days": 2.5},
        {"x": X0 + 1050, "y": Y0 + 30, "kind": "flooding", "age_days": 1.0},
    )
    assert result["reason"][0] == ("pothole, high, confirmed by 3, 2 days ago; "
                                   "glass or debris, low, today")
    assert result["reason"][1] == "flooding or ice, medium, yesterday"


def test_expired_reports_in_a_stale_frame_do_not_count() -> None:
    hazards = make_hazards({"x": X0 + 50, "y": Y0 + 30, "kind": "glass"})
    venues = make_venues({"geometry": PITCHES[0]})
    assert hazard_scores(venues, hazards, CRS, NOW, veto_below=VETO)["hazard_count"][0] == 1
    later = NOW + EXPIRY["glass"]
    assert hazard_scores(venues, hazards, CRS, later, veto_below=VETO)["score"][0] == 100.0


def test_bad_input_is_refused() -> None:
    venues = make_venues({"geometry": PITCHES[0]})
    with pytest.raises(InputError):
        hazard_scores(venues, make_hazards({"x": X0, "y": Y0, "severity": "dire"}), CRS, NOW,
                      veto_below=VETO)
    bad_kind = make_hazards({"x": X0, "y": Y0}).assign(kind="lava")
    with pytest.raises(InputError):
        hazard_scores(venues, bad_kind, CRS, NOW, veto_below=VETO)
    with pytest.raises(InputError):
        hazard_scores(venues, make_hazards(), CRS, NOW.replace(tzinfo=None),
                      veto_below=VETO)


def test_empty_venues_and_index_are_kept() -> None:
    venues = make_venues({"geometry": PITCHES[0]}, {"geometry": PITCHES[1]})
    venues.index = pd.Index(["way/7", "way/9"])
    result = hazard_scores(venues, make_hazards({"x": X0 + 1050, "y": Y0 + 30}), CRS, NOW,
                           veto_below=VETO)
    assert result.index.tolist() == ["way/7", "way/9"]
    assert result["hazard_count"].tolist() == [0, 1]
    assert hazard_scores(venues.iloc[:0], make_hazards(), CRS, NOW, veto_below=VETO).empty
    assert np.issubdtype(result["hazard_count"].dtype, np.integer)


def test_the_criterion_does_not_import_the_database() -> None:
    code = ("import sys, venuefinder.scoring.hazards; "
            "sys.exit('sqlalchemy' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# --- a "steep hill" report lowers flatness ---------------------------------------------------

def flatness(*rows: tuple[float, str, str]) -> pd.DataFrame:
    """A flatness frame (score, reason, evidence) for the three pitches."""
    return pd.DataFrame(rows, columns=["score", "reason", "evidence"])


BUILT_LEVEL = (90.0, "No elevation data; pitches are built level (prior 90)", "prior")
MEASURED = (100.0, "DEM a.tif: 90% of the ground is under 0.5% slope (steepest 1.0%, 900 "
                   "samples)", "measured")
LIKELY_SLOPED = (40.0, "No elevation data; the area is hilly (heights 1,020–1,480 m within "
                       "2 km), so this grass is likely sloped (prior 40)", "prior")


def hills(*rows: dict) -> pd.DataFrame:
    venues = make_venues(*({"geometry": g} for g in PITCHES))
    static = flatness(BUILT_LEVEL, MEASURED, LIKELY_SLOPED)
    return with_hill_reports(static, venues, make_hazards(*rows), CRS, NOW)


def test_a_hill_report_replaces_built_level_with_the_slope_it_names() -> None:
    result = hills({"x": X0 + 50, "y": Y0 + 30, "kind": "hill"})
    assert result["score"][0] == 45.0 == round(float(slope_to_score(6.0)), 1)
    assert result["evidence"][0] == "tagged"
    assert result["reason"][0] == ("Reported here: steep hill, medium, today; scored as a 6% "
                                   "slope instead of the guess (90)")
    assert "built level" not in result["reason"][0]
    assert result.iloc[1:].reset_index(drop=True).equals(flatness(MEASURED, LIKELY_SLOPED))


@pytest.mark.parametrize("severity, expected", [("low", 70.0), ("medium", 45.0),
                                                ("high", 20.0)])
def test_the_severity_names_the_slope(severity: str, expected: float) -> None:
    result = hills({"x": X0 + 50, "y": Y0 + 30, "kind": "hill", "severity": severity,
                    "confirmations": 2})
    assert result["score"][0] == expected == slope_to_score(HILL_SLOPE_PCT[severity])
    assert expected >= 20.0  # the veto threshold: one report alone never vetoes


def test_a_measurement_is_kept_after_the_report_and_a_lower_score_stays() -> None:
    result = hills({"x": X0 + 1050, "y": Y0 + 30, "kind": "hill", "severity": "low",
                    "confirmations": 2},
                   {"x": X0 + 2050, "y": Y0 + 30, "kind": "hill", "severity": "low"})
    assert result["score"].tolist() == [90.0, 70.0, 40.0]
    assert result["evidence"].tolist() == ["prior", "tagged", "prior"]
    assert result["reason"][1] == ("Reported here: steep hill, low, confirmed by 1, today; "
                                   f"scored as a 4% slope (before the report: {MEASURED[1]})")
    assert result["reason"][2] == (f"{LIKELY_SLOPED[1]}; also reported here: steep hill, low, "
                                   "today")


def test_the_steepest_of_several_reports_counts_and_all_are_said() -> None:
    result = hills({"x": X0 + 50, "y": Y0 + 30, "kind": "hill", "severity": "low"},
                   {"x": X0 + 20, "y": Y0 + 10, "kind": "hill", "severity": "high",
                    "age_days": 3, "confirmations": 2})
    assert result["score"][0] == 20.0
    assert result["reason"][0].startswith("Reported here: steep hill, high, confirmed by 1, "
                                          "3 days ago; steep hill, low, today; scored as a 8% "
                                          "slope")


def test_other_reports_leave_flatness_alone() -> None:
    venues = make_venues(*({"geometry": g} for g in PITCHES))
    static = flatness(BUILT_LEVEL, MEASURED, LIKELY_SLOPED)
    reports = make_hazards({"x": X0 + 50, "y": Y0 + 30, "kind": "pothole"},
                           {"x": X0 + 1050, "y": Y0 + 30, "kind": "surface"})
    assert with_hill_reports(static, venues, reports, CRS, NOW) is static


def test_the_hazard_line_of_a_hill_says_where_its_slope_counts() -> None:
    result = score({"x": X0 + 50, "y": Y0 + 30, "kind": "hill"},
                   {"x": X0 + 20, "y": Y0 + 10, "kind": "glass", "severity": "low"})
    assert result["reason"][0] == ("steep hill, medium, today (its slope counted in flatness); "
                                   "glass or debris, low, today")


# --- one client cannot sink a venue alone ----------------------------------------------------

def _spots(n: int, **row) -> list[dict]:
    """*n* reports on pitch 0, 10 m apart (distinct spots), with *row*'s fields."""
    return [{"x": X0 + 5 + 10 * (i % 10), "y": Y0 + 5 + 5 * (i // 10), **row}
            for i in range(n)]


def test_a_clients_reports_near_a_venue_count_once_its_worst() -> None:
    one = score({"x": X0 + 50, "y": Y0 + 30, "severity": "high", "reporter": 7})
    flood = score(*_spots(28, severity="high", reporter=7),
                  {"x": X0 + 50, "y": Y0 + 30, "severity": "low", "reporter": 7})
    assert flood["score"][0] == one["score"][0] and flood["penalty"][0] == one["penalty"][0]
    assert flood["hazard_count"][0] == 1
    assert flood["reason"][0] == ("pothole, high, today; 28 more by the same person (a "
                                  "person's reports here count once: the worst)")
    # Two clients: each counts, so their reports add up as before.
    two = score({"x": X0 + 50, "y": Y0 + 30, "severity": "high", "reporter": 7},
                {"x": X0 + 20, "y": Y0 + 10, "severity": "high", "reporter": 8})
    assert two["hazard_count"][0] == 2 and two["score"][0] < one["score"][0]


def test_the_worst_of_a_clients_reports_is_the_one_counted() -> None:
    result = score({"x": X0 + 50, "y": Y0 + 30, "severity": "low", "reporter": 7},
                   {"x": X0 + 20, "y": Y0 + 10, "kind": "glass", "severity": "high",
                    "reporter": 7})
    alone = score({"x": X0 + 20, "y": Y0 + 10, "kind": "glass", "severity": "high"})
    assert result["score"][0] == alone["score"][0]
    assert result["reason"][0].startswith("glass or debris, high, today; 1 more by the same")


def test_one_client_never_vetoes_however_high_the_threshold() -> None:
    venues = make_venues(*({"geometry": g} for g in PITCHES))
    flood = make_hazards(*_spots(29, severity="high", reporter=7))
    alone = hazard_scores(venues, flood, CRS, NOW, veto_below=60.0)
    assert alone["score"][0] == 60.0 and alone["cap"][0] == 100.0
    # The same reports by two clients, or one confirmed by another, may veto and cap.
    two = make_hazards(*_spots(2, severity="high", reporter=7),
                       {"x": X0 + 50, "y": Y0 + 30, "severity": "high", "reporter": 8})
    confirmed = make_hazards({"x": X0 + 50, "y": Y0 + 30, "severity": "high",
                              "confirmations": 2})
    for hazards in (two, confirmed):
        result = hazard_scores(venues, hazards, CRS, NOW, veto_below=60.0)
        assert result["score"][0] < 60.0 and result["cap"][0] == HIGH_SEVERITY_CAP
    assert CORROBORATING_CLIENTS == 2


def test_the_cap_needs_two_clients_behind_high_reports() -> None:
    # Two clients, but only one says high: no cap.
    mixed = score({"x": X0 + 50, "y": Y0 + 30, "severity": "high", "reporter": 7},
                  {"x": X0 + 20, "y": Y0 + 10, "severity": "low", "reporter": 8})
    assert mixed["cap"][0] == 100.0 and bool(mixed["high_severity"][0])
    both = score({"x": X0 + 50, "y": Y0 + 30, "severity": "high", "reporter": 7},
                 {"x": X0 + 20, "y": Y0 + 10, "kind": "glass", "severity": "high",
                  "reporter": 8})
    assert both["cap"][0] == HIGH_SEVERITY_CAP


def test_one_clients_high_hill_counts_as_medium_until_confirmed() -> None:
    result = hills({"x": X0 + 50, "y": Y0 + 30, "kind": "hill", "severity": "high"})
    assert result["score"][0] == 45.0 == round(float(slope_to_score(6.0)), 1)
    assert result["reason"][0] == ("Reported here: steep hill, high, today; scored as a 6% "
                                   "slope (8% once someone else confirms it) instead of the "
                                   "guess (90)")
    # A second client's own high report of the slope confirms it.
    two = hills({"x": X0 + 50, "y": Y0 + 30, "kind": "hill", "severity": "high"},
                {"x": X0 + 10, "y": Y0 + 10, "kind": "hill", "severity": "high"})
    assert two["score"][0] == 20.0
    # The same client twice does not.
    same = hills({"x": X0 + 50, "y": Y0 + 30, "kind": "hill", "severity": "high",
                  "reporter": 7},
                 {"x": X0 + 10, "y": Y0 + 10, "kind": "hill", "severity": "high",
                  "reporter": 7})
    assert same["score"][0] == 45.0


def test_an_unconfirmed_hill_fades_and_expires_like_other_reports() -> None:
    assert EXPIRY["hill"] == timedelta(days=30) < CONFIRMED_EXPIRY["hill"]
    venues = make_venues({"geometry": PITCHES[0]})
    hazards = make_hazards({"x": X0 + 50, "y": Y0 + 30, "kind": "hill"})
    assert hazard_scores(venues, hazards, CRS, NOW, veto_below=VETO)["hazard_count"][0] == 1
    later = NOW + EXPIRY["hill"]
    assert hazard_scores(venues, hazards, CRS, later, veto_below=VETO)["hazard_count"][0] == 0
    static = flatness(BUILT_LEVEL)
    assert with_hill_reports(static, venues, hazards, CRS, later) is static
