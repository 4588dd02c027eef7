"""The `mock-apify` command: serve the emulator until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from dataclasses import replace
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from .app import create_app
from .app import serve as start_serving
from .config import DEFAULT_PORT, MEMORY_DB, Config, base_url, is_loopback_host
from .model import templates
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


def _parser(defaults: Config) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mock-apify", description="Local emulator of the Apify API v2 webhooks."
    )
    parser.add_argument("--host", default=defaults.host, help="address to bind (env MOCK_APIFY_HOST)")
    parser.add_argument(
        "--port",
        type=int,
        default=defaults.port,
        help=f"port; 0 picks a free one (env MOCK_APIFY_PORT, default {DEFAULT_PORT})",
    )
    parser.add_argument("--db", default=defaults.db, help=f"SQLite file, or {MEMORY_DB} (env MOCK_APIFY_DB)")
    parser.add_argument("--seed", type=Path, default=defaults.seed, help="seed file (env MOCK_APIFY_SEED)")
    parser.add_argument("--no-seed", action="store_true", help="start with only the default user")
    parser.add_argument(
        "--clock",
        choices=("real", "virtual"),
        default=defaults.clock,
        help="virtual: time moves only through /_mock/clock/advance (env MOCK_APIFY_CLOCK)",
    )
    parser.add_argument(
        "--retry-base-delay",
        type=float,
        default=defaults.retry_base_delay,
        metavar="SECONDS",
        help="delay before the first retry, doubling after (env MOCK_APIFY_RETRY_BASE_DELAY, default 60)",
    )
    parser.add_argument(
        "--delivery-timeout",
        type=float,
        default=defaults.delivery_timeout,
        metavar="SECONDS",
        help="per-attempt timeout of deliveries (env MOCK_APIFY_DELIVERY_TIMEOUT, default 120)",
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=list(defaults.allowed_origins),
        metavar="ORIGIN",
        help="also let pages of this origin (scheme://host[:port], or *) change state; repeatable"
        " (env MOCK_APIFY_ALLOWED_ORIGINS, comma-separated)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=list(defaults.allowed_hosts),
        metavar="NAME",
        help="also serve requests whose Host header names NAME (or *); repeatable"
        " (env MOCK_APIFY_ALLOWED_HOSTS, comma-separated)",
    )
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=defaults.header_timeout,
        metavar="SECONDS",
        help="time to send a whole request head (env MOCK_APIFY_HEADER_TIMEOUT, default 10)",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=defaults.idle_timeout,
        metavar="SECONDS",
        help="close connections idle this long (env MOCK_APIFY_IDLE_TIMEOUT, default 30)",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=defaults.max_connections,
        metavar="N",
        help="open connections at most (env MOCK_APIFY_MAX_CONNECTIONS, default 1000)",
    )
    parser.add_argument("--quiet", action="store_true", help="no per-request log lines")
    return parser


async def serve(config: Config, *, log_requests: bool = True) -> None:
    app = create_app(config)
    runner = web.AppRunner(
        app,
        access_log_class=AccessLogger,
        access_log=log if log_requests else None,
        shutdown_timeout=config.shutdown_timeout,
    )
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
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        print("mock-apify stopped", flush=True)


def _render_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mock-apify render-template",
        description="Print the exact request a webhook dispatch would send for a sample event: the"
        " rendered headers (one per line), a blank line, then the payload bytes.",
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
    for name, value in rendered_headers.items():
        sys.stdout.write(f"{name}: {value}\n")
    sys.stdout.write("\n")
    sys.stdout.flush()
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()
    return 0


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["render-template"]:
        sys.exit(render_template(argv[1:]))
    try:
        defaults = Config.from_env()
    except ValueError as error:
        sys.exit(f"mock-apify: {error}")
    args = _parser(defaults).parse_args(argv)
    try:
        config = replace(
            defaults,
            host=args.host,
            port=args.port,
            db=args.db,
            seed=args.seed,
            no_seed=args.no_seed,
            clock=args.clock,
            retry_base_delay=args.retry_base_delay,
            delivery_timeout=args.delivery_timeout,
            allowed_origins=tuple(args.allow_origin),
            allowed_hosts=tuple(args.allow_host),
            header_timeout=args.header_timeout,
            idle_timeout=args.idle_timeout,
            max_connections=args.max_connections,
        )
    except ValueError as error:
        sys.exit(f"mock-apify: {error}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    try:
        asyncio.run(serve(config, log_requests=not args.quiet))
    except (SeedError, StaleDatabase, StorageError) as error:
        sys.exit(f"mock-apify: {error}")
