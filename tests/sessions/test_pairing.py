"""Spotter pairing: in sign-up order, among the confirmed."""

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


def test_a_cancellation_re_pairs_those_after_it() -> None:
    before = pair_spotters([(1, N), (2, N), (3, S), (4, S)])
    after = pair_spotters([(2, N), (3, S), (4, S)])  # 1 cancelled
    assert before.pairs == ((1, 3), (2, 4)) and after.pairs == ((2, 3),)
    assert after.spare == (4,)


def test_nobody_or_one_side_only() -> None:
    assert pair_spotters([]).pairs == ()
    assert pair_spotters([(1, N), (2, N)]).unpaired == (1, 2)
    assert pair_spotters([(1, S)]).spare == (1,)


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(InputError, match="role"):
        pair_spotters([(1, "coach")])
