"""Outbound chaos as data: what a rule asks for, what it does to one dispatch (its plan, drawn
from the rule's seed, so a run repeats), and how an injected fault shows in the dispatch's calls.

Apify delivers at least once ("webhooks may occasionally fire more than once") and retries failed
attempts for about 32 hours (https://docs.apify.com/platform/integrations/webhooks); a rule makes
those cases happen on purpose. Every call a rule touched carries an `injected` list, beside the
fields Apify's calls have, saying which fault, which rule, and the seed and draw that chose it."""

from __future__ import annotations

import random
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import SchemaValidation
from .types import Record

# The outcomes an injected failure can have, and the call each leaves (the receiver is not reached).
FAILURES = ("timeout", "connection-reset", "http-500")
DEFAULT_FAILURE = "http-500"
# How long a reorder rule holds a run's first event waiting for the others (emulator seconds).
DEFAULT_HOLD_SECS = 300.0
# The scopes a rule may name, most specific first: a dispatch follows the most specific rule.
SCOPES = ("webhookId", "inbox", "userId")
_FAULTS = ("duplicate", "delaySecs", "failFirst", "reorder", "random")
_INBOX_PATH = re.compile(r"^/_mock/inboxes/([^/]+)$")


def check_rule(rule: Record) -> None:
    """What the schema cannot say: one scope at most, a fault at least, bounds in order."""
    scopes = [name for name in SCOPES if rule.get(name) is not None]
    if len(scopes) > 1:
        raise SchemaValidation(f"A chaos rule applies to one scope, not to {' and '.join(scopes)}.")
    if not any(rule.get(name) not in (None, False) for name in _FAULTS):
        raise SchemaValidation(f"The chaos rule injects nothing: give one of {', '.join(_FAULTS)}.")
    delay = rule.get("delaySecs")
    if isinstance(delay, dict) and delay["min"] > delay["max"]:
        raise SchemaValidation("Invalid value provided in delaySecs: min is greater than max.")
    odds = rule.get("random") or {}
    if odds.get("delay") and delay is None:
        raise SchemaValidation("random.delay needs delaySecs: the delay (or its bounds) to inject.")
    if odds.get("reorder") and not rule.get("reorder"):
        raise SchemaValidation("random.reorder needs reorder: the order to release a run's events in.")


def scope_of(rule: Record) -> tuple[str, str] | None:
    """The rule's scope (`webhookId`, `inbox` or `userId`, and its value); None: every dispatch."""
    return next(((name, rule[name]) for name in SCOPES if rule.get(name) is not None), None)


def inbox_of(url: str) -> str | None:
    """The built-in inbox a request URL delivers to, if it is one (`…/_mock/inboxes/NAME`)."""
    match = _INBOX_PATH.match(urlsplit(url).path)
    return unquote(match.group(1)) if match else None


def plan(rule: Record, draw: int) -> Record:
    """What the rule does to the `draw`-th dispatch it applies to. Without `random`, every fault it
    names; with it, each fault by its probability. The draws come from `Random("seed:draw")`, three
    per dispatch whatever the odds, so the same seed gives the same faults in the same order."""
    seed = rule.get("seed", 0)
    rng = random.Random(f"{seed}:{draw}")
    rolls = [rng.random() for _ in range(3)]
    odds = rule.get("random")

    def hits(name: str, roll: float, named: bool) -> bool:
        return roll < odds.get(name, 0.0) if odds is not None else named

    chosen: Record = {"rule": rule["id"], "seed": seed, "draw": draw}
    if hits("duplicate", rolls[0], bool(rule.get("duplicate"))):
        chosen["duplicate"] = True
    delay = rule.get("delaySecs")
    if delay is not None and hits("delay", rolls[1], True):
        amount = rng.uniform(delay["min"], delay["max"]) if isinstance(delay, dict) else delay
        chosen["delaySecs"] = round(amount, 3)
    if hits("fail", rolls[2], "failFirst" in rule):
        chosen["failFirst"] = rule.get("failFirst", 1)
        chosen["failWith"] = rule.get("failWith", DEFAULT_FAILURE)
    return chosen


def reorders(rule: Record, run_draw: int) -> bool:
    """Whether the `run_draw`-th run a reorder rule meets is held: always, or by `random.reorder`'s
    odds, drawn from `Random("seed:run:draw")`."""
    odds = rule.get("random")
    if odds is None:
        return True
    odds_of_reorder: float = odds.get("reorder", 0.0)
    return random.Random(f"{rule.get('seed', 0)}:run:{run_draw}").random() < odds_of_reorder


def entry(chosen: Record, fault: str, **details: Any) -> Record:
    """One `injected` item: the fault, its details, and where it came from."""
    return {"fault": fault, **details, "rule": chosen["rule"], "seed": chosen["seed"], "draw": chosen["draw"]}


def first_entries(chosen: Record) -> list[Record]:
    """What the first call of a dispatch carries: the delay it waited, its place in a reorder."""
    found = []
    if "delaySecs" in chosen:
        found.append(entry(chosen, "delay", seconds=chosen["delaySecs"]))
    if "reorder" in chosen:
        found.append(entry(chosen, "reorder", **chosen["reorder"]))
    return found


def marked(call: Record, entries: list[Record]) -> Record:
    """The call with `entries` added to its `injected` list (unchanged when there are none)."""
    if not entries:
        return call
    return call | {"injected": [*call.get("injected", []), *entries]}


def failed_call(chosen: Record, now: str, time_limit: float) -> Record:
    """An attempt failed on purpose before reaching the receiver, as a real one of that kind shows
    (the dispatcher marks it injected)."""
    outcome = chosen["failWith"]
    call: Record = {"startedAt": now, "finishedAt": now, "errorMessage": None}
    if outcome == "http-500":
        call |= {"responseStatus": 500, "responseBody": "Internal Server Error"}
    else:
        error = (
            f"Request timed out after {time_limit:g} s"
            if outcome == "timeout"
            else "Cannot send request: Connection reset by peer"
        )
        call |= {"errorMessage": error, "responseStatus": None, "responseBody": None}
    return call
