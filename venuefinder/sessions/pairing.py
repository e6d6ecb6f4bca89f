"""Spotters: each runner who needs one is paired with someone who can spot.

Running backwards, one cannot see where one is going; a partner running forwards beside
or behind calls out what is coming. Among the *confirmed* sign-ups, in sign-up order, the
first who needs a spotter is paired with the first who can spot, the second with the
second, and so on: someone who signed up earlier is never left waiting for someone who
signed up later. Whoever is left over is *unpaired*: runners still waiting for a spotter,
and spotters free for whoever comes next. The pairs are worked out again from the sign-ups
whenever they change (a cancellation re-pairs those after it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Optional, Sequence, TypeVar

from ..errors import InputError

#: The roles one signs up with.
ROLES: tuple[str, ...] = ("can_spot", "needs_spotter")
ROLE_LABELS: dict[str, str] = {"can_spot": "I can spot", "needs_spotter": "I need a spotter"}

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Pairing:
    """Pairs of sign-up keys and who is left.

    Attributes
    ----------
    pairs
        ``(runner, spotter)`` keys, in the runners' sign-up order.
    unpaired
        Runners who need a spotter and have none yet, in sign-up order.
    spare
        Spotters without a runner, in sign-up order.
    """

    pairs: tuple[tuple[Hashable, Hashable], ...]
    unpaired: tuple[Hashable, ...]
    spare: tuple[Hashable, ...]

    def partner(self, key: Hashable) -> Optional[Hashable]:
        """The key paired with *key*, or None."""
        for runner, spotter in self.pairs:
            if runner == key:
                return spotter
            if spotter == key:
                return runner
        return None


def pair_spotters(confirmed: Sequence[tuple[K, str]]) -> Pairing:
    """Pair runners who need a spotter with those who can spot, in sign-up order.

    Parameters
    ----------
    confirmed
        ``(key, role)`` of the confirmed sign-ups, in sign-up order; *role* one of
        :data:`ROLES`.

    Raises
    ------
    InputError
        An unknown role.
    """
    runners = [key for key, role in confirmed if _role(role) == "needs_spotter"]
    spotters = [key for key, role in confirmed if role == "can_spot"]
    n = min(len(runners), len(spotters))
    return Pairing(tuple(zip(runners[:n], spotters[:n])), tuple(runners[n:]),
                   tuple(spotters[n:]))


def _role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"role is one of {', '.join(ROLES)}, not {str(role)[:40]!r}")
    return role
