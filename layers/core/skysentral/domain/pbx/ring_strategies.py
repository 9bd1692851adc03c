"""A3/A4: the order in which a group's or queue's members are offered a call, with
Asterisk's queues.conf strategy names and meanings (reference/queues-and-kpis.md).

`offer_order(strategy, members, memory, rng)` takes the members who can take a call now
(available, logged in, not in wrap-up: the caller filters), in the configured order, and
returns their employee ids in the order to offer the call. For `ringall` every id is
returned and the caller rings them all at once (docs/pbx.md: "Ring all").

- ringall: everyone at once (returned in the configured order).
- linear: the configured order, always from the first member.
- rrmemory: round robin, starting after the member offered last time. The rotation runs
  in the platform's own fixed order, here the employee ids' order (Asterisk keeps these
  members in a hash container, so rrmemory's order is not the configured one: that is
  the difference from rrordered). Adding a member to the configuration therefore never
  shifts anyone else's turn.
- rrordered: like rrmemory, but the rotation runs in the configured order.
- leastrecent: the member whose last call from this group ended longest ago first;
  members who never had one come first (as Asterisk: lastcall 0 → metric 0).
- fewestcalls: the member with the fewest calls taken from this group first.
- random: each member draws a metric in [0, 1000), lowest first (Asterisk: random() % 1000).
- wrandom: penalty p draws a metric in [0, 1000·(p+1)), lowest first, so a higher penalty
  rings later on average (Asterisk: random() % ((1 + penalty) * 1000)).
Ties keep the configured order. Penalties matter only to wrandom (routing_plan.Member).

The memory is per group or queue (CallsTable `<company>#GROUP#<group>` / STATE) and
changes only through `after_offer`, `after_answer` and `after_call_end`, which return a
new RingMemory.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from skysentral.domain.errors import InvalidInput
from skysentral.domain.pbx.routing_plan import RING_STRATEGIES, Member


@dataclass(frozen=True)
class RingMemory:
    """What the memory-based strategies remember between calls.

    last_offered / last_index: the member offered last (rrmemory, rrordered) and its
    position among the members passed then (the configured order for rrordered), used when
    that member is not offered this time. last_call_end_ms (leastrecent) and
    calls_taken (fewestcalls) are per employee id."""

    last_offered: str | None = None
    last_index: int = -1
    last_call_end_ms: dict[str, int] = field(default_factory=dict)
    calls_taken: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "last_offered": self.last_offered,
            "last_index": self.last_index,
            "last_call_end_ms": dict(self.last_call_end_ms),
            "calls_taken": dict(self.calls_taken),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> RingMemory:
        d = d or {}
        return cls(
            last_offered=d.get("last_offered"),
            last_index=int(d.get("last_index", -1)),
            last_call_end_ms={k: int(v) for k, v in (d.get("last_call_end_ms") or {}).items()},
            calls_taken={k: int(v) for k, v in (d.get("calls_taken") or {}).items()},
        )


def offer_order(strategy: str, members: Sequence[Member], memory: RingMemory, rng: random.Random) -> list[str]:
    """A3/A4: the available members' employee ids in the order they are offered the call."""
    ids = [m.employee_id for m in members]
    if strategy in ("ringall", "linear"):
        return ids
    if strategy == "rrordered":
        return _rotate(ids, memory, by_id=False)
    if strategy == "rrmemory":
        return _rotate(sorted(ids), memory, by_id=True)
    if strategy == "leastrecent":
        return sorted(ids, key=lambda e: memory.last_call_end_ms.get(e, 0))  # stable: ties keep the order
    if strategy == "fewestcalls":
        return sorted(ids, key=lambda e: memory.calls_taken.get(e, 0))
    if strategy == "random":
        metrics = {m.employee_id: rng.randrange(1000) for m in members}
        return sorted(ids, key=metrics.__getitem__)
    if strategy == "wrandom":
        metrics = {m.employee_id: rng.randrange(1000 * (max(m.penalty, 0) + 1)) for m in members}
        return sorted(ids, key=metrics.__getitem__)
    raise InvalidInput(f"{strategy!r} is not a ring strategy ({', '.join(RING_STRATEGIES)}).")


def _rotate(order: list[str], memory: RingMemory, by_id: bool) -> list[str]:
    """Start with the member after the one offered last; when that member is not among
    `order` now, with the next id after theirs (rrmemory's id order) or with whoever holds
    their former position (rrordered)."""
    if not order:
        return []
    if memory.last_offered in order:
        start = order.index(memory.last_offered) + 1
    elif memory.last_offered is not None and by_id:
        start = sum(1 for e in order if e < memory.last_offered)
    elif memory.last_offered is not None and memory.last_index >= 0:
        start = memory.last_index
    else:
        start = 0
    start %= len(order)
    return order[start:] + order[:start]


def after_offer(memory: RingMemory, employee_id: str, members: Sequence[Member] = ()) -> RingMemory:
    """The call was offered to `employee_id` (rang, answered or not): the next round-robin
    call starts after them. `members`: the members passed to offer_order, to remember the
    position (rrordered uses it when this member is away next time)."""
    ids = [m.employee_id for m in members]
    index = ids.index(employee_id) if employee_id in ids else memory.last_index
    return replace(memory, last_offered=employee_id, last_index=index)


def after_answer(memory: RingMemory, employee_id: str, at_ms: int) -> RingMemory:
    """`employee_id` took a call at `at_ms` (epoch ms): one more call taken (fewestcalls) and,
    until after_call_end says when it ended, their last call is at `at_ms` (leastrecent)."""
    return replace(
        memory,
        calls_taken={**memory.calls_taken, employee_id: memory.calls_taken.get(employee_id, 0) + 1},
        last_call_end_ms={**memory.last_call_end_ms, employee_id: at_ms},
    )


def after_call_end(memory: RingMemory, employee_id: str, at_ms: int) -> RingMemory:
    """`employee_id`'s call from this group ended at `at_ms` (leastrecent)."""
    return replace(memory, last_call_end_ms={**memory.last_call_end_ms, employee_id: at_ms})
