"""The `mock-apify` command: serve the emulator until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from .app import EMULATOR_KEY, GUARD_KEY, ListenError, create_app
from .app import serve as start_serving
from .config import ENV_PREFIX, MEMORY_DB, Config, base_url, is_loopback_host
from .errors import SchemaValidation
from .model import chaos, events, templates
from .openapi import Document
from .services.chaos import checked_rule
from .services.seeding import SeedError
from .store import StaleDatabase, StorageError

log = logging.getLogger("mock_apify")


class AccessLogger(AbstractAccessLogger):
    """One line per request; the `token` query parameter is never written out."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        url = request.rel_url
        if "token" in url.query:
            url = url.update_query(token="***")
        self.logger.info("%s %s %s %.1fms", request.method, url, response.status, time * 1000)


# The options that set a Config field of the same name: (flag, type, metavar, help). The help
# gains the environment variable and the default.
_OPTIONS: tuple[tuple[str, type, str | None, str], ...] = (
    ("--host", str, None, "address to bind"),
    ("--port", int, None, "port; 0 picks a free one"),
    ("--db", str, None, f"SQLite file, or {MEMORY_DB}"),
    ("--seed", Path, None, "seed file"),
    ("--clock", str, None, "virtual: time moves only through /_mock/clock/advance"),
    ("--retry-base-delay", float, "SECONDS", "delay before the first retry, doubling after"),
    ("--delivery-timeout", float, "SECONDS", "per-attempt timeout of deliveries"),
    ("--header-timeout", float, "SECONDS", "time to send a whole request head"),
    ("--idle-timeout", float, "SECONDS", "close connections idle this long"),
    ("--max-connections", int, "N", "open connections at most"),
)
# Repeatable options that add to a tuple field: (flag, field, metavar, help).
_LISTS = (
    (
        "--allow-origin",
        "allowed_origins",
        "ORIGIN",
        "also let pages of this origin (scheme://host[:port], or *) change state",
    ),
    ("--allow-host", "allowed_hosts", "NAME", "also serve requests whose Host header names NAME (or *)"),
)


def _field(flag: str) -> str:
    return flag.removeprefix("--").replace("-", "_")


def _parser(defaults: Config) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mock-apify", description="Local emulator of the Apify API v2 webhooks."
    )
    for flag, kind, metavar, text in _OPTIONS:
        field = _field(flag)
        default = getattr(defaults, field)
        shown = "" if default is None else f", default {default}"
        help_text = f"{text} (env {ENV_PREFIX}{field.upper()}{shown})"
        choices = ("real", "virtual") if field == "clock" else None
        parser.add_argument(
            flag, type=kind, default=default, metavar=metavar, choices=choices, help=help_text
        )
    for flag, field, metavar, text in _LISTS:
        help_text = f"{text}; repeatable (env {ENV_PREFIX}{field.upper()}, comma-separated)"
        default = list(getattr(defaults, field))
        parser.add_argument(flag, action="append", default=default, metavar=metavar, help=help_text)
    parser.add_argument("--no-seed", action="store_true", help="start with only the default user")
    parser.add_argument("--quiet", action="store_true", help="no per-request log lines")
    _chaos_options(parser.add_argument_group("chaos", "faults on purpose (docs/server.md#chaos-and-faults)"))
    return parser


def _delay(text: str) -> float | dict[str, float]:
    """`SECS`, or `MIN-MAX` for a random delay within bounds."""
    low, dash, high = text.partition("-")
    return {"min": float(low), "max": float(high)} if dash else float(low)


def _odds(text: str) -> dict[str, float]:
    """`duplicate=0.2,delay=0.1,fail=0.1`."""
    pairs = [part.split("=", 1) for part in text.split(",") if part.strip()]
    if not all(len(pair) == 2 for pair in pairs):
        raise ValueError(text)
    return {name.strip(): float(value) for name, value in pairs}


def _chaos_options(group: Any) -> None:
    group.add_argument(
        "--chaos-duplicate", action="store_true", help="send every delivery that succeeds twice"
    )
    group.add_argument("--chaos-delay", type=_delay, metavar="SECS|MIN-MAX", help="delay first attempts")
    group.add_argument("--chaos-fail-first", type=int, metavar="N", help="fail the first N attempts")
    group.add_argument("--chaos-fail-with", choices=chaos.FAILURES, help="how they fail (default http-500)")
    group.add_argument(
        "--chaos-reorder",
        type=lambda text: text.split(","),
        metavar="EVENT,EVENT",
        help="a run's events in this order",
    )
    group.add_argument(
        "--chaos-random", type=_odds, metavar="FAULT=P,...", help="duplicate, delay, fail, reorder odds"
    )
    group.add_argument("--chaos-seed", type=int, metavar="N", help="seed of the random draws (default 0)")
    group.add_argument(
        "--rate-limit", action="store_true", help="enforce Apify's rate limits (env MOCK_APIFY_RATE_LIMIT)"
    )


def _chaos_rule(defaults: Config, args: argparse.Namespace) -> dict[str, Any] | None:
    """MOCK_APIFY_CHAOS's rule, with the --chaos-* flags over it; None when neither gives one."""
    given = {
        "duplicate": args.chaos_duplicate or None,
        "delaySecs": args.chaos_delay,
        "failFirst": args.chaos_fail_first,
        "failWith": args.chaos_fail_with,
        "reorder": {"order": args.chaos_reorder} if args.chaos_reorder else None,
        "random": args.chaos_random,
        "seed": args.chaos_seed,
    }
    rule = (defaults.chaos or {}) | {name: value for name, value in given.items() if value is not None}
    if not rule:
        return None
    try:
        return checked_rule(Document(), rule)
    except SchemaValidation as error:
        raise ValueError(f"--chaos-* options: {error}") from None


def _config(defaults: Config, args: argparse.Namespace) -> Config:
    changes = {_field(flag): getattr(args, _field(flag)) for flag, *_ in _OPTIONS}
    changes |= {field: tuple(getattr(args, _field(flag))) for flag, field, *_ in _LISTS}
    rate_limit = args.rate_limit or defaults.rate_limit
    chaos_rule = _chaos_rule(defaults, args)
    return replace(defaults, no_seed=args.no_seed, chaos=chaos_rule, rate_limit=rate_limit, **changes)


class _Stopping:
    """The first SIGINT or SIGTERM starts a clean stop and says what it waits for and what it cuts
    short; a second one quits at once (what a 2xx acknowledged is stored already)."""

    def __init__(self, app: web.Application) -> None:
        self.requested = asyncio.Event()
        self._emulator = app[EMULATOR_KEY]
        self._guard = app[GUARD_KEY]

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._signalled, sig)

    def _signalled(self, sig: signal.Signals) -> None:
        if self.requested.is_set():
            print("mock-apify: quitting at once", file=sys.stderr, flush=True)
            os._exit(128 + sig)
        self.requested.set()
        again = "Ctrl-C again" if sig == signal.SIGINT else "signal again"
        doing = "; " + " and ".join(parts) if (parts := self._pending()) else ""
        print(f"mock-apify: stopping{doing} ({again} to quit at once)", file=sys.stderr, flush=True)

    def _pending(self) -> list[str]:
        parts = []
        if requests := self._guard.requests_in_progress():
            timeout = self._emulator.config.shutdown_timeout
            parts.append(f"waiting up to {timeout:g} s for {_count(requests, 'request')} in progress")
        if deliveries := self._emulator.dispatcher.in_flight():
            kept = self._emulator.config.db != MEMORY_DB
            again = ", tried again at the next start" if kept else ""
            parts.append(f"cutting {_count(deliveries, 'delivery', 'deliveries')} in flight{again}")
        return parts


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one}" if number == 1 else f"{number} {many or one + 's'}"


async def serve(config: Config, *, log_requests: bool = True) -> None:
    app = create_app(config)
    runner = web.AppRunner(
        app,
        access_log_class=AccessLogger,
        access_log=log if log_requests else None,
        shutdown_timeout=config.shutdown_timeout,
    )
    stopping = _Stopping(app)
    stopping.install()  # before start-up, so that a Ctrl-C during it stops cleanly too
    port = await start_serving(runner, config)
    if not is_loopback_host(config.host):
        log.warning(
            "bound to %s: anyone who can reach this address can read and change every user's data "
            "and use the unauthenticated /_mock control endpoints",
            config.host or "every interface",
        )
    print(f"mock-apify listening on {base_url(config.host, port)}", flush=True)
    print(f"  token (default user {config.default_username}): {config.default_token}", flush=True)
    print(f"  database: {config.db}", flush=True)
    print(f"  dashboard: {base_url(config.host, port)}/_mock/ui/", flush=True)
    try:
        await stopping.requested.wait()
    finally:
        await runner.cleanup()
        print("mock-apify stopped", flush=True)


def _render_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mock-apify render-template",
        description="Print the exact request a webhook dispatch would send for a sample event: its"
        " headers (one per line: the template's, then Content-Type and X-Apify-*), a blank line,"
        " the payload bytes, and a newline.",
    )
    parser.add_argument("--payload", help="payload template text (default: Apify's default template)")
    parser.add_argument("--payload-file", type=Path, help="read the payload template from a file")
    parser.add_argument("--headers", help="headers template text")
    parser.add_argument("--headers-file", type=Path, help="read the headers template from a file")
    parser.add_argument("--interpolate-strings", action="store_true", help="as shouldInterpolateStrings")
    parser.add_argument("--context", type=Path, help="JSON file with variables replacing the sample event's")
    return parser


def render_template(argv: list[str]) -> int:
    args = _render_parser().parse_args(argv)
    payload = args.payload_file.read_text() if args.payload_file else args.payload
    headers = args.headers_file.read_text() if args.headers_file else args.headers
    context = templates.sample_context()
    if args.context:
        context |= json.loads(args.context.read_text())
    try:
        rendered_headers = templates.render_headers(
            headers, context, interpolate_strings=args.interpolate_strings
        )
        body = templates.render_payload(payload, context, interpolate_strings=args.interpolate_strings)
    except templates.TemplateError as error:
        print(f"mock-apify: invalid template: {error}", file=sys.stderr)
        return 1
    # As a dispatch sends them, for sample IDs of a webhook and its dispatch.
    sent = events.request_headers(rendered_headers, "SampleWebhook0001", "SampleDispatch001")
    sys.stdout.write("".join(f"{name}: {value}\n" for name, value in sent.items()) + "\n")
    sys.stdout.flush()
    sys.stdout.buffer.write(body + b"\n")
    sys.stdout.buffer.flush()
    return 0


def _fail(message: str) -> NoReturn:
    """A start-up error: one line on stderr, exit status 2."""
    print(f"mock-apify: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["render-template"]:
        sys.exit(render_template(argv[1:]))
    if argv[:1] in (["trigger"], ["check-receiver"]):
        from . import commands  # imported on use: the server's start-up does not pay for it

        sys.exit(commands.main(argv[0], argv[1:]))
    try:
        defaults = Config.from_env()
    except ValueError as error:
        _fail(str(error))
    args = _parser(defaults).parse_args(argv)
    try:
        config = _config(defaults, args)
    except ValueError as error:
        _fail(str(error))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    try:
        asyncio.run(serve(config, log_requests=not args.quiet))
    except (ListenError, SeedError, StaleDatabase, StorageError) as error:
        _fail(str(error).removeprefix("mock-apify "))
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were in place
        print("mock-apify: interrupted while starting", file=sys.stderr, flush=True)
        sys.exit(128 + signal.SIGINT)
