"""`mock-apify trigger EVENT --to URL`: one realistic delivery, now (Stripe's `stripe trigger` is
the model). It makes what the event needs in an emulator, a run or build that really ends that
way, and follows the dispatch, printing each attempt and the receiver's answer."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from ..testing import MockApify, MockApifyError
from . import firing
from .target import TargetError, add_emulator_options, emulator

# Apify's schedule ends after about 34 hours; following stops here at the latest.
_FOLLOW_LIMIT = 48 * 3600.0
_ANSWER_SHOWN = 200
_RETRIES = (
    "  failed: retried on Apify's schedule, after 1, 2, 4 ... 1024 minutes (times the emulator's"
    " --retry-base-delay / 60); Ctrl-C stops following"
)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mock-apify trigger",
        description="Make EVENT happen in an emulator and deliver its webhook to --to with Apify's"
        " default template, headers and retry policy, printing each attempt and the answer.",
    )
    parser.add_argument(
        "event", choices=firing.EVENT_TYPES, metavar="EVENT", help=", ".join(firing.EVENT_TYPES)
    )
    parser.add_argument(
        "--to", required=True, metavar="URL", help="the receiver's URL (the webhook's requestUrl)"
    )
    add_emulator_options(parser)
    parser.add_argument(
        "--actor",
        default="trigger",
        metavar="NAME",
        help="the Actor's name (made if missing; default trigger)",
    )
    parser.add_argument(
        "--items", type=Path, metavar="FILE", help="a JSON array of objects: the run's dataset items"
    )
    parser.add_argument("--payload-template", metavar="TEMPLATE", help="the webhook's payloadTemplate")
    parser.add_argument("--headers-template", metavar="TEMPLATE", help="the webhook's headersTemplate")
    parser.add_argument("--interpolate-strings", action="store_true", help="as shouldInterpolateStrings")
    parser.add_argument("--do-not-retry", action="store_true", help="as doNotRetry: one attempt only")
    return parser


def _items(path: Path | None) -> list[Any]:
    if path is None:
        return []
    try:
        items = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise TargetError(f"--items {path}: {error}") from None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise TargetError(f"--items {path}: not a JSON array of objects")
    return items


def _webhook_fields(args: argparse.Namespace) -> dict[str, Any]:
    given = {
        "payloadTemplate": args.payload_template,
        "headersTemplate": args.headers_template,
        "shouldInterpolateStrings": args.interpolate_strings or None,
        "doNotRetry": args.do_not_retry or None,
    }
    return {name: value for name, value in given.items() if value is not None}


def _time(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%H:%M:%S.%f")[:-3]


def describe_call(call: dict[str, Any]) -> str:
    """`200 in 12 ms: "ok"`, or `no answer: Request timed out after 120 s`, and any chaos fault."""
    faults = [entry["fault"] for entry in call.get("injected") or []]
    chaos = f" [chaos: {', '.join(faults)}]" if faults else ""
    if call["responseStatus"] is None:
        return f"no answer: {call['errorMessage']}{chaos}"
    body = " ".join((call["responseBody"] or "").split())
    shown = body if len(body) <= _ANSWER_SHOWN else body[:_ANSWER_SHOWN] + "…"
    return f"{call['responseStatus']} in {firing.milliseconds(call)} ms: {json.dumps(shown)}{chaos}"


class _Printer:
    """Prints each call of the dispatch as the emulator records it."""

    def __init__(self) -> None:
        self.count = 0
        self.noted = False  # the retry schedule is said once

    def __call__(self, dispatch: dict[str, Any], call: dict[str, Any]) -> None:
        self.count += 1
        print(f"  attempt {self.count} at {_time(call['startedAt'])}: {describe_call(call)}", flush=True)
        retried = dispatch["status"] == "ACTIVE" or call is not dispatch["calls"][-1]
        if retried and not self.noted and not firing.answered_2xx(call):
            self.noted = True
            print(_RETRIES, flush=True)


def _deliver(handle: MockApify, args: argparse.Namespace, items: list[Any]) -> int:
    """Fire the event, follow its dispatch to its end; 0 when it SUCCEEDED."""
    actor = firing.actor(handle, args.actor)
    extra = {"items": items} if items else {}
    fields = _webhook_fields(args)
    fired = firing.fire(
        handle,
        actor["id"],
        args.event,
        extra,
        lambda: firing.add_webhook(handle, actor["id"], args.event, args.to, fields),
    )
    webhook = fired.webhook
    print(f"  Actor {args.actor} ({actor['id']}), {fired.kind} {fired.job['id']}", flush=True)
    print(f"  webhook {webhook['id']} on {args.event}, calling {args.to}", flush=True)
    try:
        dispatches = firing.follow(handle, webhook["id"], 1, _FOLLOW_LIMIT, _Printer())
    except KeyboardInterrupt:
        print(f"  stopped following; webhook {webhook['id']} stays until you delete it", flush=True)
        raise
    if not dispatches:
        print(f"  no dispatch of webhook {webhook['id']} within {_FOLLOW_LIMIT:g} s", flush=True)
        return 1
    dispatch = dispatches[0]
    handle.request("DELETE", f"/v2/webhooks/{webhook['id']}")
    print(f"  dispatch {dispatch['id']}: {dispatch['status']} after {len(dispatch['calls'])} call(s)")
    _read_back(handle.url, fired)
    return 0 if dispatch["status"] == "SUCCEEDED" else 1


def _read_back(url: str, fired: firing.Fired) -> None:
    """Where the app reads the job back, as it would after the delivery."""
    print("read it back:")
    print(f"  curl {url}/v2/actor-{fired.kind}s/{fired.job['id']}")
    if fired.kind == firing.RUN:
        print(f"  curl {url}/v2/actor-runs/{fired.job['id']}/dataset/items")


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        items = _items(args.items)
        if items and firing.kind_of(args.event) != firing.RUN:
            raise TargetError("--items needs a run: a build has no dataset")
        with emulator(args.url, temporary=args.temporary) as target:
            print(f"mock-apify trigger: {args.event} to {args.to}", flush=True)
            print(f"  emulator: {target.describe()}", flush=True)
            return _deliver(firing.connect(target.url, args.token), args, items)
    except TargetError as error:
        print(f"mock-apify trigger: {error}", file=sys.stderr)
        return 2
    except MockApifyError as error:
        print(f"mock-apify trigger: the emulator refused: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
