import pandas as pd
import pytest

from venuefinder.config import Settings
from venuefinder.criteria import BY_NAME, CRITERIA, REGISTRY
from venuefinder.scoring.combine import GUESS_CAP, NEAR_TIE, TRACK_FLOOR, combine

from .conftest import field_square, make_venues

EQUAL = {c: 1.0 for c in CRITERIA}
STATIC = [c.name for c in REGISTRY if not c.live]
#: The default weight of traffic as a share of all the static criteria's.
TRAFFIC_SHARE = BY_NAME["traffic"].weight / sum(BY_NAME[c].weight for c in STATIC)


def _all(score: float, **scores: float) -> dict[str, float]:
    """*score* for every static criterion in the registry, but those named."""
    return {**dict.fromkeys(STATIC, score), **scores}


def _parts(n=1, evidence="measured", **scores):
    """A frame per registry criterion: the given score (default 100) and evidence."""
    parts = {}
    for criterion in REGISTRY:
        if criterion.live:
            continue
        value = scores.get(criterion.name, 100.0)
        frame = pd.DataFrame({"score": [value] * n, "reason": [f"because {value}"] * n,
                              "evidence": [evidence] * n})
        for prop in criterion.properties:
            frame[prop] = 1
        parts[criterion.name] = frame
    return parts


def test_weighted_mean_uses_config_weights():
    venues = make_venues({"geometry": field_square()})
    settings = Settings(weights={**EQUAL, "traffic": 2})
    scores = _all(100.0, flatness=80, traffic=40, surface=60)
    result = combine(venues, _parts(**scores), settings)
    total = sum(scores.values()) + scores["traffic"]  # traffic counts twice
    # combine gives scores to 0.1
    assert result.loc[0, "score"] == pytest.approx(total / (len(STATIC) + 1), abs=0.05)
    assert result.loc[0, "vetoed_by"] is None
    assert result.loc[0, "reason_traffic"] == "because 40"
    assert result.loc[0, "evidence_traffic"] == "measured"


def test_one_unsafe_criterion_vetoes():
    venues = make_venues({"geometry": field_square()})
    result = combine(venues, _parts(traffic=8), Settings(veto_below=20))
    assert result.loc[0, "score"] == 8.0
    assert result.loc[0, "vetoed_by"] == "traffic"


def test_every_registered_criterion_is_combined_and_carries_its_properties():
    venues = make_venues({"geometry": field_square()})
    result = combine(venues, _parts(room=30), Settings())
    assert STATIC
    for name in STATIC:
        assert f"score_{name}" in result
        for prop in BY_NAME[name].properties:
            assert prop in result
    assert result.loc[0, "score_room"] == 30.0


def test_zero_weights_are_refused():
    with pytest.raises(ValueError):
        Settings(weights={c: 0 for c in CRITERIA})


def test_confidence_is_the_weight_share_resting_on_evidence():
    venues = make_venues({"geometry": field_square()})
    parts = _parts(evidence="prior")
    parts["traffic"]["evidence"] = "measured"
    parts["surface"]["evidence"] = "tagged"
    settings = Settings(weights={**EQUAL, "traffic": 2})
    result = combine(venues, parts, settings)
    assert result.loc[0, "confidence"] == pytest.approx(round(100 * 3 / (len(STATIC) + 1)))


def test_open_grass_resting_on_guesses_is_never_green():
    venues = make_venues({"geometry": field_square(), "kind": "grass"},
                         {"geometry": field_square(), "kind": "grass"})
    parts = _parts(n=2)
    for name in ("flatness", "surface"):
        parts[name]["evidence"] = ["prior", "prior"]
    parts["surface"].loc[1, "evidence"] = "tagged"  # a mapper said grass: not all guesses
    result = combine(venues, parts, Settings())
    assert result.loc[0, "score"] == GUESS_CAP
    assert "guesses" in result.loc[0, "note"]
    assert result.loc[1, "score"] == 100.0
    assert pd.isna(result.loc[1, "note"])


def test_a_safe_running_track_is_lifted_above_guessed_grass():
    venues = make_venues({"geometry": field_square(), "kind": "track", "sport": "athletics"},
                         {"geometry": field_square(), "kind": "track"},
                         {"geometry": field_square(), "kind": "track", "surface": "tartan"})
    result = combine(venues, _parts(n=3, **_all(60.0, traffic=55)), Settings())
    assert result.loc[0, "score"] == TRACK_FLOOR > GUESS_CAP
    assert "first recommendation" in result.loc[0, "note"]
    assert result.loc[1, "score"] < TRACK_FLOOR  # no running sport, no synthetic surface
    assert result.loc[2, "score"] == TRACK_FLOOR


def test_an_unsafe_track_is_not_lifted():
    venues = make_venues({"geometry": field_square(), "kind": "track", "sport": "running"})
    result = combine(venues, _parts(**_all(60.0, traffic=30)), Settings())
    assert result.loc[0, "score"] == pytest.approx(
        TRAFFIC_SHARE * 30 + (1 - TRAFFIC_SHARE) * 60, abs=0.05)  # scores are to 0.1
    assert pd.isna(result.loc[0, "note"])


def test_near_ties_go_to_evidence():
    venues = make_venues({"geometry": field_square()}, {"geometry": field_square()})
    parts = _parts(n=2, evidence="prior")
    parts["traffic"]["score"] = [80.0, 81.0]
    parts["flatness"]["evidence"] = ["measured", "prior"]
    parts["surface"]["evidence"] = ["tagged", "prior"]
    result = combine(venues, parts, Settings())
    assert result.loc[0, "score"] < result.loc[1, "score"]
    assert result.loc[0, "rank"] > result.loc[1, "rank"]
    assert result.loc[1, "rank"] - result.loc[1, "score"] <= NEAR_TIE


def test_a_criterion_may_cap_the_combined_score():
    venues = make_venues({"geometry": field_square()})
    parts = _parts()
    parts["obstacles"]["cap"] = 60.0
    parts["obstacles"]["cap_note"] = "capped for a reason"
    result = combine(venues, parts, Settings())
    assert result.loc[0, "score"] == 60.0
    assert result.loc[0, "note"] == "capped for a reason"


def test_a_list_s_order_and_its_numbers_agree():
    """A displayed 85 (84.6, guessed) comes before a displayed 84 (84.4, measured); equal
    displayed scores go to evidence."""
    venues = make_venues(*({"geometry": field_square()} for _ in range(3)))
    parts = _parts(n=3, evidence="prior")
    parts["traffic"]["score"] = [100 - 15.4 / TRAFFIC_SHARE, 100 - 15.6 / TRAFFIC_SHARE,
                                 100 - 15.2 / TRAFFIC_SHARE]
    for c in STATIC:
        parts[c]["evidence"] = ["measured", "prior", "prior"]
    result = combine(venues, parts, Settings())
    assert list(result["score"]) == [84.6, 84.4, 84.8]
    order = list(result.sort_values("rank", ascending=False).index)
    assert order == [0, 2, 1]  # 85 (measured), 85 (guessed), then 84
    shown = [round(s + 0.5 - 1e-9) for s in result.loc[order, "score"]]
    assert shown == sorted(shown, reverse=True)
    assert ((result["rank"] - result["score"]) < NEAR_TIE).all()


def _track_and_pitch(dx: float, pitch_score: float = 90.0, track_traffic: float = 60.0):
    venues = make_venues({"geometry": field_square(), "kind": "track", "sport": "athletics"},
                         {"geometry": field_square(dx=dx), "kind": "pitch"})
    parts = _parts(n=2, **_all(80.0))
    parts["traffic"]["score"] = [track_traffic, 100.0]
    for c in STATIC:
        parts[c].loc[1, "score"] = pitch_score
    return venues, parts


def test_a_safe_running_track_comes_before_every_other_place_within_1_5_km():
    venues, parts = _track_and_pitch(dx=1_400.0)
    result = combine(venues, parts, Settings())
    assert result.loc[1, "score"] == 90.0
    assert result.loc[0, "score"] == 91.0  # one displayed point above the pitch
    assert result.loc[0, "rank"] > result.loc[1, "rank"]
    assert "before every other place within 1.5 km" in result.loc[0, "note"]
    # Far away, or unsafe, it keeps its own score.
    far = combine(*_track_and_pitch(dx=1_700.0)[:2], Settings())
    assert far.loc[0, "score"] < 80 and far.loc[0, "rank"] < far.loc[1, "rank"]
    unsafe = combine(*_track_and_pitch(dx=100.0, track_traffic=45.0)[:2], Settings())
    assert unsafe.loc[0, "score"] < 80


def test_next_to_a_perfect_place_a_safe_track_ties_at_100_and_still_comes_first():
    venues, parts = _track_and_pitch(dx=200.0, pitch_score=100.0)
    result = combine(venues, parts, Settings())
    assert list(result["score"]) == [100.0, 100.0]
    assert result.loc[0, "rank"] > result.loc[1, "rank"]


def test_a_track_combined_again_alone_keeps_its_place_ahead():
    """Live reports re-combine only the venues they touch: the track's lift is kept."""
    from venuefinder.scoring.combine import parts_from_columns

    venues, parts = _track_and_pitch(dx=300.0)
    first = combine(venues, parts, Settings())
    alone = first.iloc[[0]]
    again = combine(alone, parts_from_columns(alone, STATIC), Settings())
    assert again.loc[0, "score"] == first.loc[0, "score"] == 91.0
