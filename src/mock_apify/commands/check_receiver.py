"""`mock-apify check-receiver URL`: a conformance run against a receiver the user runs. The
scripted series (`steps`) goes through an emulator's own dispatcher, one step at a time, and each
answer is judged against the stated expectations (`expectations`); exit status 0 only when every
one holds. Each delivery is made once (`doNotRetry`): a failed first attempt already fails."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..testing import MockApify, MockApifyError
from . import against, firing
from .expectations import SAME_DUPLICATE, STATED, Row, judge, summary, table
from .steps import Step, series
from .target import TargetError, add_emulator_options, emulator

Record = dict[str, Any]
_ACTOR = "check-receiver"


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mock-apify check-receiver",
        description="Send a scripted series of realistic deliveries to URL and judge each answer"
        " against stated expectations (docs/receivers.md). Exit status 0 only when all hold.",
    )
    parser.add_argument("receiver", metavar="URL", help="the receiver's URL (the webhooks' requestUrl)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="an answer must come within this (default 30; Apify cuts at 120)",
    )
    add_emulator_options(parser)
    parser.add_argument(
        "--payload-template",
        metavar="TEMPLATE",
        help="your webhook's payloadTemplate, for the custom-template step",
    )
    parser.add_argument(
        "--headers-template",
        metavar="TEMPLATE",
        help="your webhook's headersTemplate, for the custom-template step",
    )
    parser.add_argument(
        "--against",
        metavar="HISTORY_URL",
        help="afterwards, read the dispatch IDs the receiver acted on from this URL and check each was acted on once",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON, for CI")
    return parser


def _run_step(handle: MockApify, actor_id: str, step: Step, receiver: str, timeout: float) -> list[Row]:
    """Make the step's delivery through its own webhook (with its chaos rule, if any), wait for
    its dispatches to end, remove both, and judge every answer."""
    fields = {key: value for key, value in step.webhook.items() if value is not None}
    hooks: list[Record] = []
    rules: list[Record] = []

    def webhook() -> Record:
        hooks.append(
            firing.add_webhook(handle, actor_id, step.event_type, receiver, fields | {"doNotRetry": True})
        )
        if step.chaos:
            rules.append(handle.chaos(webhook=hooks[0], **step.chaos))
        return hooks[0]

    try:
        fired = firing.fire(handle, actor_id, step.event_type, step.behaviour, webhook)
        dispatches = firing.follow(handle, fired.webhook["id"], step.dispatches, 3 * timeout + 30)
    finally:
        for rule in rules:
            handle.request("DELETE", f"/_mock/chaos/{rule['id']}", auth=False)
        for hook in hooks:
            handle.request("DELETE", f"/v2/webhooks/{hook['id']}")
    return _judged(step, dispatches, timeout)


def _judged(step: Step, dispatches: list[Record], timeout: float) -> list[Row]:
    """A row per call, in the order the receiver got them; a dispatch's second call is its
    duplicate, judged against the first."""
    calls = sorted(
        ((dispatch, call) for dispatch in dispatches for call in dispatch["calls"]),
        key=lambda pair: pair[1]["startedAt"],
    )
    rows: list[Row] = []
    for dispatch, call in calls:
        sent = step.sent if step.dispatches == 1 else f"{dispatch['eventType']}, {step.sent}"
        first = next((row for row in rows if row.dispatch_id == dispatch["id"]), None)
        if first is not None:
            sent = f"{sent} (sent again)"
        row = Row(sent, dispatch["eventType"], dispatch["id"], call, step.expectations)
        judge(row, timeout, first)
        rows.append(row)
    return rows


def _never_sent(rows: list[Row]) -> dict[str, str]:
    """The duplicate goes only after a 2xx: without one, that expectation was not checked."""
    sent_twice = any(row.sent.endswith("(sent again)") for row in rows)
    return (
        {} if sent_twice else {SAME_DUPLICATE: "not checked: the first send got no 2xx, so no duplicate went"}
    )


def _check(handle: MockApify, args: argparse.Namespace) -> tuple[list[Row], dict[str, str], Record | None]:
    actor = firing.actor(handle, _ACTOR)
    rows: list[Row] = []
    for step in series(args.payload_template, args.headers_template):
        rows += _run_step(handle, actor["id"], step, args.receiver, args.timeout)
    extra = _never_sent(rows)
    history = None
    if args.against:
        history = against.check(args.against, rows, args.timeout)
        extra |= history["verdicts"]
    return rows, summary(rows, extra), history


def _print(
    args: argparse.Namespace, target: str, rows: list[Row], verdicts: dict[str, str], history: Record | None
) -> None:
    held = all(verdict == "ok" for verdict in verdicts.values())
    if args.json:
        document = {
            "ok": held,
            "receiver": args.receiver,
            "emulator": target,
            "timeoutSecs": args.timeout,
            "expectations": {
                name: {"stated": STATED[name], "verdict": verdict} for name, verdict in verdicts.items()
            },
            "deliveries": [row.as_json() for row in rows],
            "against": history,
        }
        print(json.dumps(document, indent=2))
        return
    print(f"mock-apify check-receiver: {args.receiver}, through {target}, timeout {args.timeout:g} s\n")
    print("\n".join(table(rows)))
    if history is not None:
        print(f"\n{against.describe(history)}")
    print("\nexpectations:")
    for name, verdict in verdicts.items():
        print(
            f"  {'ok  ' if verdict == 'ok' else 'FAIL'}  {STATED[name]}"
            + ("" if verdict == "ok" else f": {verdict}")
        )
    failed = sum(verdict != "ok" for verdict in verdicts.values())
    print(
        f"\n{failed} of {len(verdicts)} expectations failed"
        if failed
        else f"\nall {len(verdicts)} expectations hold"
    )


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if not args.timeout > 0:
        print("mock-apify check-receiver: --timeout must be more than 0", file=sys.stderr)
        return 2
    try:
        timeout = min(args.timeout, 3600.0)
        with emulator(
            args.url, temporary=args.temporary, delivery_timeout=timeout, chaos=None, rate_limit=False
        ) as target:
            rows, verdicts, history = _check(firing.connect(target.url, args.token), args)
            _print(args, target.describe(), rows, verdicts, history)
    except TargetError as error:
        print(f"mock-apify check-receiver: {error}", file=sys.stderr)
        return 2
    except MockApifyError as error:
        print(f"mock-apify check-receiver: the emulator refused: {error}", file=sys.stderr)
        return 2
    return 0 if all(verdict == "ok" for verdict in verdicts.values()) else 1
