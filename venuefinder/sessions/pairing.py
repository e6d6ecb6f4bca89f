"""Spotters: each runner who needs one is paired with someone who can spot.

Running backwards, one cannot see where one is going; a partner running forwards beside
or behind calls out what is coming. Among the *confirmed* sign-ups:

* a pair, once made, stays while both stay (the store keeps the pairs and gives them back
  as *previous*): a runner is never handed to another spotter because someone else left;
* a runner whose spotter left (cancelled) is said to have lost them (:attr:`Pairing.left`)
  and, like every runner without a spotter, takes the next free spotter;
* runners without a spotter take the free spotters in sign-up order, the first runner the
  first spotter: someone who signed up earlier is never left waiting for someone who signed
  up later. Whoever is left over is *unpaired*: runners still waiting for a spotter, and
  spotters free for whoever comes next.

Without previous pairs this is plain sign-up order; sign-ups only ever join at the end of
the confirmed (the confirmed are the first places of the sign-ups in order), so the stored
pairs are exactly what this rule made, re-applied after every change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Mapping, Optional, Sequence, TypeVar

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
    left
        ``(runner, spotter)`` of the previous pairs whose spotter is no longer confirmed
        (the spotter cancelled), in the runners' sign-up order; the runner is paired anew
        or unpaired.
    """

    pairs: tuple[tuple[Hashable, Hashable], ...]
    unpaired: tuple[Hashable, ...]
    spare: tuple[Hashable, ...]
    left: tuple[tuple[Hashable, Hashable], ...] = field(default=())

    def partner(self, key: Hashable) -> Optional[Hashable]:
        """The key paired with *key*, or None."""
        for runner, spotter in self.pairs:
            if runner == key:
                return spotter
            if spotter == key:
                return runner
        return None


def pair_spotters(confirmed: Sequence[tuple[K, str]],
                  previous: Optional[Mapping[K, K]] = None) -> Pairing:
    """Pair runners who need a spotter with those who can spot, keeping previous pairs.

    Parameters
    ----------
    confirmed
        ``(key, role)`` of the confirmed sign-ups, in sign-up order; *role* one of
        :data:`ROLES`.
    previous
        runner → spotter of the pairs made before (keys of sign-ups that may since have
        left); None or empty: none.

    Raises
    ------
    InputError
        An unknown role.
    """
    runners = [key for key, role in confirmed if _role(role) == "needs_spotter"]
    spotters = [key for key, role in confirmed if role == "can_spot"]
    present = set(spotters)
    kept: dict[K, K] = {}
    left = []
    for runner in runners:
        spotter = (previous or {}).get(runner)
        if spotter is None:
            continue
        if spotter not in present:
            left.append((runner, spotter))
        elif spotter not in kept.values():
            kept[runner] = spotter
    taken = set(kept.values())
    waiting = [r for r in runners if r not in kept]
    free = [s for s in spotters if s not in taken]
    n = min(len(waiting), len(free))
    paired = {**kept, **dict(zip(waiting[:n], free[:n]))}
    return Pairing(tuple((r, paired[r]) for r in runners if r in paired),
                   tuple(waiting[n:]), tuple(free[n:]), tuple(left))


def _role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"role is one of {', '.join(ROLES)}, not {str(role)[:40]!r}")
    return role
