"""Who goes first when upstream calls are scarce: the admission rule, as arithmetic.

Uses in priority order (`PRIORITY`): confirmations, new subscriptions, the group owner's
console, first views of known groups, first views of names never seen, background
refreshes. The first four have a floor per window: room kept for that use whatever the
uses below it do. A floor is not a ceiling: a use may always take what the uses below it
have not spent, up to the budget's ceiling.

Nested logs make that exact. Log `L_j` holds every call of level j or below (`L_0` is every
call). A call of level k is admitted when, in each window and for every j <= k, `L_j` has
room under the ceiling less the floors of the levels above j (`limits`). So the floors
above a level are kept from it; once a higher use has spent its floor, what it takes next
comes out of the room every use shares.

The people's idle floors (confirmations, sign-ups, the console) are lent to first views,
all but the confirmations' floor and one sign-up (`keep`): a burst of cold widgets fills
fast, and a sign-up arriving next still finds room. Guesses at names never seen borrow
nothing: they share what the floors leave with background refreshes, ahead of them.

No one client (an address; an IPv6 /64) takes more than `share` of a use's room (its own
level's limit) in a window: what one client does leaves room for the others, and many
clients together may use everything that is idle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Triple = tuple[int, int, int]
Use = Literal["confirm", "subscribe", "console", "view", "guess", "refresh"]
PRIORITY: tuple[Use, ...] = ("confirm", "subscribe", "console", "view", "guess", "refresh")
FLOORED: tuple[Use, ...] = PRIORITY[:4]  # the uses with a floor of their own
PEOPLE: tuple[Use, ...] = PRIORITY[:3]  # whose idle floors are lent to first views
BORROWERS: tuple[Use, ...] = ("view",)


@dataclass(frozen=True)
class Rule:
    """One use's admission: the limit of each log from `L_0` down to its own level (per
    window), and the most one client may take (per window; None: not per client)."""

    level: int
    limits: tuple[Triple, ...]
    share: Triple | None

    @property
    def room(self) -> Triple:
        """What this use can take when every other use is idle."""
        return self.limits[-1]


def _sum(*triples: Triple) -> Triple:
    return (sum(t[0] for t in triples), sum(t[1] for t in triples),
            sum(t[2] for t in triples))


def _sub(a: Triple, b: Triple) -> Triple:
    return a[0] - b[0], a[1] - b[1], a[2] - b[2]


def _min(a: Triple, b: Triple) -> Triple:
    return min(a[0], b[0]), min(a[1], b[1]), min(a[2], b[2])


def floors_total(floors: Mapping[Use, Triple]) -> Triple:
    return _sum(*(floors.get(use, (0, 0, 0)) for use in FLOORED))


def keep(floors: Mapping[Use, Triple]) -> Triple:
    """What first views never borrow: the confirmations' floor and one sign-up."""
    return _sum(floors.get("confirm", (0, 0, 0)), (1, 1, 1))


def rules(ceilings: Triple, floors: Mapping[Use, Triple],
          share: float) -> dict[Use, Rule]:
    """Each use's rule for these ceilings, floors and one client's share."""
    found: dict[Use, Rule] = {}
    for level, use in enumerate(PRIORITY):
        limits = []
        for j in range(level + 1):
            above = {u: f for u, f in floors.items() if u in PRIORITY[:j]}
            people = floors_total({u: f for u, f in above.items() if u in PEOPLE})
            others = floors_total({u: f for u, f in above.items() if u not in PEOPLE})
            if use in BORROWERS:
                people = _min(people, keep(floors))
            limits.append(_sub(ceilings, _sum(people, others)))
        room = limits[-1]
        per_client = None if use == "refresh" or share >= 1 else (
            max(1, int(room[0] * share)), max(1, int(room[1] * share)),
            max(1, int(room[2] * share)))
        found[use] = Rule(level, tuple(limits), per_client)
    return found


def check(ceilings: Triple, floors: Mapping[Use, Triple]) -> str | None:
    """What is wrong with these floors, or None: refreshes must keep some room."""
    total = floors_total(floors)
    if any(f < 0 for use in FLOORED for f in floors.get(use, (0, 0, 0))):
        return "floors cannot be negative"
    if any(t >= c for t, c in zip(total, ceilings, strict=True)):
        return (f"the floors add up to {total}, which must stay below the budget "
                f"{ceilings} in each window")
    return None
