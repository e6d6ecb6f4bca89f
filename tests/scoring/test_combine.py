import pandas as pd
import pytest

from venuefinder.config import Settings
from venuefinder.scoring.combine import combine

from .conftest import field_square, make_venues


def _parts(flatness, traffic, surface, n=1):
    frame = lambda s: pd.DataFrame({"score": [s] * n, "reason": [f"because {s}"] * n})  # noqa: E731
    return {"flatness": frame(flatness), "traffic": frame(traffic), "surface": frame(surface)}


def test_weighted_mean_uses_config_weights():
    venues = make_venues({"geometry": field_square()})
    settings = Settings(weights={"traffic": 2, "flatness": 1, "surface": 1})
    result = combine(venues, _parts(80, 40, 60), settings)
    assert result.loc[0, "score"] == pytest.approx((2 * 40 + 80 + 60) / 4)
    assert result.loc[0, "vetoed_by"] is None
    assert result.loc[0, "reason_traffic"] == "because 40"


def test_one_unsafe_criterion_vetoes():
    venues = make_venues({"geometry": field_square()})
    result = combine(venues, _parts(100, 8, 100), Settings(veto_below=20))
    assert result.loc[0, "score"] == 8.0
    assert result.loc[0, "vetoed_by"] == "traffic"


def test_zero_weights_are_refused():
    with pytest.raises(ValueError):
        Settings(weights={"traffic": 0, "flatness": 0, "surface": 0})
