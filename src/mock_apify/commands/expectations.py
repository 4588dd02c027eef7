"""What `check-receiver` expects of a receiver, and the verdict on each answer it gave. Why each
expectation matters is in docs/receivers.md, with Apify's documentation cited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .firing import milliseconds

Record = dict[str, Any]

ANSWERS_2XX = "answers-2xx"
NO_REDIRECT = "no-redirect"
SAME_DUPLICATE = "same-answer-to-duplicate"
UNKNOWN_FIELDS = "tolerates-unknown-fields"
TEST_EVENT = "tolerates-test-event"
ANY_ORDER = "tolerates-any-order"
SIDE_EFFECTS = "side-effects-once"

STATED = {
    ANSWERS_2XX: "answers every delivery with a 2xx within the timeout",
    NO_REDIRECT: "does not answer with a redirect (3xx): Apify does not follow it",
    SAME_DUPLICATE: "answers a duplicate (same dispatch ID and body) as it answered the first",
    UNKNOWN_FIELDS: "tolerates unknown fields and headers (custom templates, new fields)",
    TEST_EVENT: "tolerates the TEST event",
    ANY_ORDER: "tolerates a run's events out of order",
    SIDE_EFFECTS: "acts on each dispatch once (--against)",
}


@dataclass
class Row:
    """One request the receiver got, and the verdict on its answer."""

    sent: str
    event_type: str
    dispatch_id: str
    call: Record
    expectations: tuple[str, ...]
    failed: list[str] = field(default_factory=list)
    problem: str = ""

    def fail(self, expectations: list[str], problem: str) -> None:
        self.failed, self.problem = expectations, problem

    def as_json(self) -> Record:
        return {
            "sent": self.sent,
            "eventType": self.event_type,
            "dispatchId": self.dispatch_id,
            "status": self.call["responseStatus"],
            "error": self.call["errorMessage"],
            "ms": milliseconds(self.call),
            "ok": not self.failed,
            "failed": self.failed,
            "problem": self.problem,
        }


def judge(row: Row, timeout: float, first: Row | None = None) -> None:
    """Fail the row's expectations its answer breaks; `first` is the answer a duplicate repeats."""
    status, ms = row.call["responseStatus"], milliseconds(row.call)
    specific = [name for name in row.expectations if name not in (ANSWERS_2XX, NO_REDIRECT)]
    if status is None:
        row.fail([ANSWERS_2XX, *specific], f"no answer: {row.call['errorMessage']}")
    elif 300 <= status < 400:
        row.fail([NO_REDIRECT, *specific], f"answered {status}, a redirect, which Apify does not follow")
    elif not 200 <= status < 300:
        row.fail([ANSWERS_2XX, *specific], f"answered {status}")
    elif ms > timeout * 1000:
        row.fail([ANSWERS_2XX, *specific], f"answered after {ms} ms, beyond the {timeout:g} s timeout")
    if first is not None and status != first.call["responseStatus"]:
        was = first.call["responseStatus"]
        failed = [*row.failed, *([] if SAME_DUPLICATE in row.failed else [SAME_DUPLICATE])]
        row.fail(failed, f"answered the duplicate {status}, the first send {was}")


def summary(rows: list[Row], extra: dict[str, str]) -> dict[str, str]:
    """Each expectation checked: "ok", or the first problem that broke it; `extra` adds the
    verdicts judged elsewhere (a duplicate that was never sent, --against)."""
    verdicts: dict[str, str] = {}
    for row in rows:
        for name in row.expectations:
            verdicts.setdefault(name, "ok")
        for name in row.failed:
            if verdicts.get(name, "ok") == "ok":
                verdicts[name] = f"{row.sent}: {row.problem}"
    for name, verdict in extra.items():
        if verdicts.get(name, "ok") == "ok":
            verdicts[name] = verdict
    return {name: verdicts[name] for name in STATED if name in verdicts}


def table(rows: list[Row]) -> list[str]:
    """The rows as aligned text: what was sent, the dispatch, the answer, its time, the verdict."""
    lines = [("#", "sent", "dispatch", "answer", "time", "verdict")]
    for number, row in enumerate(rows, 1):
        status = row.call["responseStatus"]
        answer = str(status) if status is not None else "none"
        verdict = "ok" if not row.failed else f"FAIL: {row.problem}"
        lines.append(
            (str(number), row.sent, row.dispatch_id, answer, f"{milliseconds(row.call)} ms", verdict)
        )
    widths = [max(len(line[column]) for line in lines) for column in range(5)]
    return [
        "  ".join([*(c.ljust(w) for c, w in zip(line[:5], widths, strict=True)), line[5]]) for line in lines
    ]
