import pytest

from venuefinder.scoring.surface import score_surface
from venuefinder.vocabulary.priors import KIND_PRIORS

from .conftest import field_square, make_venues


def _score(context_for, **tags):
    venues = make_venues({"geometry": field_square(), **tags})
    return score_surface(venues, context_for()).loc[0]


def test_synthetic_track_is_best(context_for):
    result = _score(context_for, kind="track", surface="tartan")
    assert result["score"] == 100.0
    assert result["reason"] == "Mapped as synthetic running track (tartan)"


@pytest.mark.parametrize("surface, expected", [
    ("artificial_turf", 90.0), ("grass", 85.0), ("asphalt", 65.0), ("gravel", 45.0),
    ("sand", 30.0), ("mud", 10.0),
])
def test_material_ranking(context_for, surface, expected):
    assert _score(context_for, surface=surface)["score"] == expected


def test_bad_smoothness_caps_a_good_surface(context_for):
    result = _score(context_for, surface="asphalt", smoothness="very_bad")
    assert result["score"] == 15.0
    assert "its smoothness is mapped as very bad, which caps it" in result["reason"]


def test_unmapped_surface_is_said_plainly_with_a_prior(context_for):
    result = _score(context_for, kind="meadow")
    assert result["score"] == KIND_PRIORS["meadow"].surface.score
    assert result["reason"].startswith("Nobody has mapped the surface; a guess: ")
    assert result["reason"].count("guess") == 1
    assert result["evidence"] == "prior"


def test_unknown_surface_value_uses_the_prior(context_for):
    result = _score(context_for, kind="park", surface="lava")
    assert result["score"] == KIND_PRIORS["park"].surface.score
    assert "Mapped as “lava”, not a known running surface" in result["reason"]


def test_first_value_of_a_list_counts(context_for):
    assert _score(context_for, surface="grass;dirt")["score"] == 85.0


def test_mapped_surface_is_tagged_evidence(context_for):
    assert _score(context_for, surface="grass")["evidence"] == "tagged"
    assert _score(context_for, kind="park", smoothness="bad")["evidence"] == "tagged"


def test_a_net_is_no_longer_a_surface_matter(context_for):
    # The net moved to the obstacles criterion; the turf itself is still good.
    assert _score(context_for, kind="pitch", surface="artificial_turf",
                  sport="tennis")["score"] == 90.0


@pytest.mark.parametrize("sport, score, words", [
    ("streetball", 60.0, "courts with hoops are usually asphalt or acrylic: even but hard"),
    ("basketball;soccer", 60.0, "courts with hoops are usually asphalt or acrylic"),
    ("beachvolleyball", 30.0, "beach courts are sand: soft and uneven"),
    ("tennis", 60.0, "courts for racket sports are usually hard, clay or turf"),
    ("badminton", 60.0, "courts are usually a hard surface: asphalt or acrylic"),
])
def test_a_court_s_unmapped_surface_follows_its_sport(context_for, sport, score, words):
    result = _score(context_for, kind="pitch", sport=sport)
    assert result["score"] == score
    assert words in result["reason"]
    assert "grass or turf" not in result["reason"]
    assert result["evidence"] == "prior"


def test_a_football_pitch_keeps_the_pitch_prior(context_for):
    result = _score(context_for, kind="pitch", sport="soccer")
    assert result["score"] == KIND_PRIORS["pitch"].surface.score
