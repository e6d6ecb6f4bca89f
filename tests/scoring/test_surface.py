import pytest

from venuefinder.scoring.surface import KIND_PRIORS, score_surface

from .conftest import field_square, make_venues


def _score(context_for, **tags):
    venues = make_venues({"geometry": field_square(), **tags})
    return score_surface(venues, context_for()).loc[0]


def test_synthetic_track_is_best(context_for):
    result = _score(context_for, kind="track", surface="tartan")
    assert result["score"] == 100.0
    assert result["reason"] == "OSM surface=tartan: synthetic running track (tartan)"


@pytest.mark.parametrize("surface, expected", [
    ("artificial_turf", 90.0), ("grass", 85.0), ("asphalt", 65.0), ("gravel", 45.0),
    ("sand", 30.0), ("mud", 10.0),
])
def test_material_ranking(context_for, surface, expected):
    assert _score(context_for, surface=surface)["score"] == expected


def test_bad_smoothness_caps_a_good_surface(context_for):
    result = _score(context_for, surface="asphalt", smoothness="very_bad")
    assert result["score"] == 15.0
    assert "smoothness=very_bad caps it" in result["reason"]


def test_unmapped_surface_is_said_plainly_with_a_prior(context_for):
    result = _score(context_for, kind="meadow")
    assert result["score"] == KIND_PRIORS["meadow"][0]
    assert result["reason"].startswith("Surface not mapped;")
    assert "(prior by kind)" in result["reason"]


def test_unknown_surface_value_uses_the_prior(context_for):
    result = _score(context_for, kind="park", surface="lava")
    assert result["score"] == KIND_PRIORS["park"][0]
    assert "surface=lava is not a known running surface" in result["reason"]


def test_first_value_of_a_list_counts(context_for):
    assert _score(context_for, surface="grass;dirt")["score"] == 85.0


def test_a_net_across_the_court_caps_the_score(context_for):
    result = _score(context_for, kind="pitch", surface="artificial_turf", sport="tennis")
    assert result["score"] == 50.0
    assert "a net crosses the court (sport=tennis), which caps it at 50" in result["reason"]


def test_nets_only_count_on_pitches_and_for_net_sports(context_for):
    assert _score(context_for, kind="pitch", surface="artificial_turf",
                  sport="soccer")["score"] == 90.0
    assert _score(context_for, kind="pitch", surface="artificial_turf",
                  sport="soccer;volleyball")["score"] == 50.0
    assert _score(context_for, kind="park", surface="grass", sport="tennis")["score"] == 85.0
