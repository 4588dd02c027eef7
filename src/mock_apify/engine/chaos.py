"""The outbound chaos rules of one emulator, and the run events a reorder rule holds back.

Rules live in memory (set through `/_mock/chaos`, the pytest handle or the CLI): what a rule did
to a dispatch is stored with the dispatch (its plan), so a restart keeps every planned fault of
the dispatches already made, and only the rules themselves must be set again. Held events are in
the database too, due when their hold ends; their order is kept in memory, so after a restart
they still arrive, in any order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from ..clock import Clock
from ..ids import new_id
from ..model import chaos
from ..model.events import Event
from ..model.types import Record


class Admission(NamedTuple):
    """What chaos makes of a new dispatch: its plan (None: untouched), when its first attempt is
    due, and the held dispatches its arrival releases now."""

    plan: Record | None
    due_at: float
    release: list[str]


@dataclass
class _Group:
    """One run's events to one webhook under a reorder rule: their position in the rule's order →
    dispatch id."""

    deadline: float
    draw: int  # the how-many-th run the rule held, for `random.reorder`'s draw
    members: dict[int, str] = field(default_factory=dict)
    waiting: set[str] = field(default_factory=set)  # members that have not ended yet
    released: bool = False


class Chaos:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._rules: list[Record] = []
        self._groups: dict[tuple[str, str, str], _Group] = {}
        self._member_of: dict[str, tuple[tuple[str, str, str], int]] = {}
        self._runs_drawn: dict[str, int] = {}  # rule id -> runs it has drawn for

    # --- rules -------------------------------------------------------------------------------

    def add(self, rule: Record) -> Record:
        """Keep a checked rule (see model.chaos.check_rule); it gets an id and a count of the
        dispatches it applied to (`matched`)."""
        stored = {"id": new_id(), **rule, "matched": 0}
        self._rules.append(stored)
        return dict(stored)

    def rules(self) -> list[Record]:
        return [dict(rule) for rule in self._rules]

    def remove(self, rule_id: str) -> bool:
        kept = [rule for rule in self._rules if rule["id"] != rule_id]
        removed = len(kept) < len(self._rules)
        self._rules = kept
        return removed

    def forget(self, *, owner: str | None = None, inbox: str | None = None) -> None:
        """Drop the rules of a user (its own and its webhooks'), or of an inbox; with neither, all."""
        if owner is None and inbox is None:
            self._rules, self._groups, self._member_of, self._runs_drawn = [], {}, {}, {}
            return
        self._rules = [
            rule
            for rule in self._rules
            if (owner is None or rule.get("ownerId") != owner)
            and (inbox is None or rule.get("inbox") != inbox)
        ]

    def _rule_for(self, webhook: Record) -> Record | None:
        """The most specific live rule for a webhook's dispatch (newest first within a scope)."""
        facts = {
            "webhookId": webhook["id"],
            "inbox": chaos.inbox_of(webhook["requestUrl"]),
            "userId": webhook["userId"],
        }
        best: tuple[int, Record] | None = None
        for rule in reversed(self._rules):
            if rule.get("times") is not None and rule["matched"] >= rule["times"]:
                continue
            scope = chaos.scope_of(rule)
            if scope is not None and facts[scope[0]] != scope[1]:
                continue
            rank = len(chaos.SCOPES) - chaos.SCOPES.index(scope[0]) if scope else 0
            if best is None or rank > best[0]:
                best = (rank, rule)
        return best[1] if best else None

    # --- dispatches --------------------------------------------------------------------------

    def admit(self, webhook: Record, event: Event, dispatch_id: str) -> Admission:
        """Plan a new dispatch's faults; a delay or a hold moves its first attempt."""
        now = self._clock.time()
        rule = self._rule_for(webhook)
        if rule is None:
            return Admission(None, now, [])
        rule["matched"] += 1
        chosen = chaos.plan(rule, rule["matched"])
        due_at, release = now + chosen.get("delaySecs", 0.0), list[str]()
        if rule.get("reorder") and (place := self._hold(rule, webhook, event, dispatch_id)) is not None:
            chosen["reorder"], held_until, release = place
            due_at = max(due_at, held_until)
        return Admission(chosen, due_at, release)

    def _hold(
        self, rule: Record, webhook: Record, event: Event, dispatch_id: str
    ) -> tuple[Record, float, list[str]] | None:
        """Hold a run's event until the rule's others came (then all go, in the stated order) or
        the hold ends; None for an event the rule does not reorder."""
        order: list[str] = rule["reorder"]["order"]
        run_id = (event.data or {}).get("actorRunId") or (event.data or {}).get("actorBuildId")
        if event.type not in order or not run_id:
            return None
        now = self._clock.time()
        key = (rule["id"], webhook["id"], run_id)
        group = self._groups.get(key) or self._new_group(rule, key, now)
        if group.released or now >= group.deadline:
            group.released = True
            return None
        position = order.index(event.type)
        group.members[position] = dispatch_id
        group.waiting.add(dispatch_id)
        self._member_of[dispatch_id] = (key, position)
        place = {"position": position, "order": order, "runDraw": group.draw}
        if len(group.members) < len(order):
            return place, group.deadline, []
        group.released = True
        return place, now, [member for member in group.members.values() if member != dispatch_id]

    def _new_group(self, rule: Record, key: tuple[str, str, str], now: float) -> _Group:
        """A run's group under a reorder rule, held (or, by `random.reorder`'s odds, not) for the
        rule's hold; groups whose hold ended with nothing left waiting are forgotten meanwhile."""
        for old in [k for k, g in self._groups.items() if not g.waiting and now >= g.deadline]:
            del self._groups[old]
        draw = self._runs_drawn[rule["id"]] = self._runs_drawn.get(rule["id"], 0) + 1
        hold = rule["reorder"].get("holdSecs", chaos.DEFAULT_HOLD_SECS)
        group = self._groups[key] = _Group(now + hold, draw, released=not chaos.reorders(rule, draw))
        return group

    def waiting_for(self, dispatch_id: str) -> list[str]:
        """The held events before this one in its order that have not ended yet: it goes after them."""
        found = self._member_of.get(dispatch_id)
        if found is None:
            return []
        key, position = found
        group = self._groups[key]
        return [
            group.members[p]
            for p in sorted(group.members)
            if p < position and group.members[p] in group.waiting
        ]

    def holding(self) -> int:
        """How many held events have not ended yet (each may be waiting for another)."""
        return len(self._member_of)

    def ended(self, dispatch_id: str) -> None:
        """A dispatch ended (delivered, or failed for good): the next of its order may go."""
        found = self._member_of.pop(dispatch_id, None)
        if found is None:
            return
        group = self._groups[found[0]]
        group.waiting.discard(dispatch_id)
        if not group.waiting and (group.released or self._clock.time() >= group.deadline):
            del self._groups[found[0]]
