"""Spotter pairing: in sign-up order, among the confirmed; a pair stays while both stay."""

from __future__ import annotations

import pytest

from venuefinder.errors import InputError
from venuefinder.sessions.pairing import pair_spotters

N, S = "needs_spotter", "can_spot"


def test_runners_and_spotters_pair_in_sign_up_order() -> None:
    pairing = pair_spotters([(1, N), (2, S), (3, N), (4, N), (5, S)])
    assert pairing.pairs == ((1, 2), (3, 5))
    assert pairing.unpaired == (4,) and pairing.spare == ()


def test_a_spotter_who_signed_up_first_waits_for_the_first_runner() -> None:
    pairing = pair_spotters([("a", S), ("b", S), ("c", S), ("d", N)])
    assert pairing.pairs == (("d", "a"),) and pairing.spare == ("b", "c")
    assert pairing.unpaired == ()


def test_partner_works_both_ways() -> None:
    pairing = pair_spotters([(1, N), (2, S), (3, N)])
    assert pairing.partner(1) == 2 and pairing.partner(2) == 1
    assert pairing.partner(3) is None and pairing.partner(99) is None


def test_a_pair_stays_while_both_stay() -> None:
    before = pair_spotters([(1, N), (2, N), (3, S), (4, S)])
    assert before.pairs == ((1, 3), (2, 4))
    after = pair_spotters([(2, N), (3, S), (4, S)], dict(before.pairs))  # 1 cancelled
    assert after.pairs == ((2, 4),) and after.spare == (3,) and after.left == ()


def test_a_runner_whose_spotter_left_says_so_and_takes_the_next_free_spotter() -> None:
    before = pair_spotters([(1, N), (2, S), (3, N), (4, S), (5, S)])
    assert before.pairs == ((1, 2), (3, 4)) and before.spare == (5,)
    after = pair_spotters([(1, N), (3, N), (4, S), (5, S)], dict(before.pairs))  # 2 left
    assert after.pairs == ((1, 5), (3, 4)) and after.left == ((1, 2),)
    assert after.unpaired == () and after.spare == ()
    # Nobody free: the runner waits, and the next spotter to come is theirs.
    alone = pair_spotters([(1, N), (3, N), (4, S)], dict(before.pairs))
    assert alone.pairs == ((3, 4),) and alone.unpaired == (1,) and alone.left == ((1, 2),)
    later = pair_spotters([(1, N), (3, N), (4, S), (6, S)], dict(alone.pairs))
    assert later.pairs == ((1, 6), (3, 4)) and later.left == ()


def test_runners_without_a_spotter_take_free_ones_in_sign_up_order() -> None:
    """A runner who lost their spotter and one still waiting: the earlier sign-up first."""
    pairing = pair_spotters([(1, N), (2, N), (3, N), (5, S), (6, S)], {2: 4, 3: 5})
    assert pairing.pairs == ((1, 6), (3, 5)) and pairing.unpaired == (2,)
    assert pairing.left == ((2, 4),)


def test_a_spotter_kept_twice_is_kept_once() -> None:
    pairing = pair_spotters([(1, N), (2, N), (3, S)], {1: 3, 2: 3})
    assert pairing.pairs == ((1, 3),) and pairing.unpaired == (2,) and pairing.left == ()


def test_nobody_or_one_side_only() -> None:
    assert pair_spotters([]).pairs == ()
    assert pair_spotters([(1, N), (2, N)]).unpaired == (1, 2)
    assert pair_spotters([(1, S)]).spare == (1,)


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(InputError, match="role"):
        pair_spotters([(1, "coach")])
