"""The vocabulary's one-of-each rules: tag values, venue ids, road classes, kind priors."""

from __future__ import annotations

import pandas as pd
import pytest

from venuefinder.clock import aware, utc_now
from venuefinder.errors import InputError
from venuefinder.vocabulary import (KINDS, MOTOR_ROAD_CLASSES, NET_SPORTS, first_value,
                                    first_value_in, is_venue_id, tag_values)
from venuefinder.vocabulary.priors import KIND_PRIORS, UNKNOWN_KIND_PRIORS, priors_of
from venuefinder.vocabulary.roads import BUSY_CLASSES, NO_WALK_CLASSES, ROAD_CLASSES


def test_first_value_is_lower_cased_stripped_and_empty_is_none() -> None:
    values = pd.Series(["Soccer;Tennis", None, " ; grass ", "", "artificial turf ;x",
                        float("nan")], index=[5, 3, 9, 1, 2, 0])
    first = first_value(values)
    assert list(first.index) == [5, 3, 9, 1, 2, 0]
    assert first.fillna("-").tolist() == ["soccer", "-", "grass", "-", "artificial turf", "-"]


def test_tag_values_one_row_per_value_by_position() -> None:
    values = pd.Series(["a; B", None, "c;;d"], index=[7, 8, 9])
    parts = tag_values(values)
    assert list(parts.index) == [0, 0, 2, 2]
    assert parts.tolist() == ["a", "b", "c", "d"]


def test_first_value_in_takes_the_first_allowed_value() -> None:
    values = pd.Series(["soccer;Tennis;volleyball", "soccer", None])
    assert first_value_in(values, NET_SPORTS).tolist() == ["tennis", "", ""]


@pytest.mark.parametrize("text, ok", [
    ("way/123", True), ("node/1", True), ("relation/" + "9" * 20, True),
    ("relation/" + "9" * 21, False), ("way/١٢", False), ("way/", False), ("area/1", False),
    (" way/1", False), ("way/1\n", False), (None, False), (123, False),
])
def test_one_venue_id_rule(text: object, ok: bool) -> None:
    assert is_venue_id(text) is ok


def test_every_motor_road_has_a_class_and_classes_run_worst_first() -> None:
    assert set(MOTOR_ROAD_CLASSES.values()) == set(ROAD_CLASSES)
    floors = [rule.floor for rule in ROAD_CLASSES.values()]
    assert floors == sorted(floors)
    assert BUSY_CLASSES == tuple(ROAD_CLASSES)[:len(BUSY_CLASSES)]
    assert set(NO_WALK_CLASSES) <= set(BUSY_CLASSES)


def test_every_kind_has_its_priors() -> None:
    assert set(KIND_PRIORS) == set(KINDS)
    assert priors_of("car_park") is UNKNOWN_KIND_PRIORS
    assert priors_of(None) is UNKNOWN_KIND_PRIORS


def test_one_clock() -> None:
    now = utc_now()
    assert now.utcoffset().total_seconds() == 0
    assert aware(None) >= now
    with pytest.raises(InputError):
        aware(now.replace(tzinfo=None))
