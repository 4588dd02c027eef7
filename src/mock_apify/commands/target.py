"""The emulator a subcommand drives: the one answering at `--url`, or a temporary in-memory one
when none answers there (or on `--temporary`), which stops when the command ends."""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from ..app import ListenError
from ..config import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TOKEN, MEMORY_DB, Config, base_url, is_loopback_host
from ..threaded import ThreadedEmulator

DEFAULT_URL = base_url(DEFAULT_HOST, DEFAULT_PORT)
_PROBE_TIMEOUT = 3.0


def add_emulator_options(parser: argparse.ArgumentParser) -> None:
    """--url, --temporary and --token, which every subcommand takes."""
    parser.add_argument(
        "--url",
        default=DEFAULT_URL,
        help=f"the emulator (default {DEFAULT_URL}); a temporary one when none answers",
    )
    parser.add_argument(
        "--temporary", action="store_true", help="use a temporary in-memory emulator on a free port"
    )
    parser.add_argument(
        "--token", default=DEFAULT_TOKEN, help="the user's API token (default: the default user's)"
    )


class TargetError(Exception):
    """No emulator can be used: the message says why and what to do (exit status 2)."""


@dataclass(frozen=True)
class Target:
    url: str
    temporary: bool

    def describe(self) -> str:
        if self.temporary:
            return f"{self.url} (temporary, in memory: it stops when this command ends)"
        return f"{self.url} (running)"


def _running(url: str) -> bool:
    """Whether a mock-apify answers at `url`; False when nothing listens there. Anything else
    answering is an error rather than a reason to start a second emulator beside it."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/_mock/health", timeout=_PROBE_TIMEOUT) as response:
            health = json.loads(response.read())["data"]
    except urllib.error.HTTPError:
        raise TargetError(f"{url} answers, but not as mock-apify (is --url right?)") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, ConnectionRefusedError):
            return False
        raise TargetError(f"cannot reach {url}: {error.reason}") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise TargetError(f"{url} answers, but not as mock-apify (is --url right?)") from None
    if not isinstance(health, dict) or health.get("status") != "ok":
        raise TargetError(f"{url} answers, but not as mock-apify (is --url right?)")
    return True


def _temporary_config(url: str, fresh_port: bool, overrides: dict[str, Any]) -> Config:
    """Settings from the environment, in memory, on the real clock, with no seed; on the address
    of `url` (so an app configured with it reads the same emulator), or a free port."""
    try:
        defaults = Config.from_env()
    except ValueError as error:
        raise TargetError(str(error)) from None
    parts = urlsplit(url)
    host, port = parts.hostname or DEFAULT_HOST, parts.port or 80
    if fresh_port:
        host, port = DEFAULT_HOST, 0
    elif not is_loopback_host(host):
        raise TargetError(f"no emulator answers at {url}, and a temporary one listens on loopback only")
    changes: dict[str, Any] = {"host": host, "port": port, "db": MEMORY_DB, "no_seed": True, "clock": "real"}
    return replace(defaults, **(changes | overrides))


@contextmanager
def emulator(url: str, *, temporary: bool = False, **overrides: Any) -> Iterator[Target]:
    """The emulator at `url` when one answers (and `temporary` is not asked for), else a temporary
    one with the `Config` fields `overrides` gives, stopped on exit."""
    url = url.rstrip("/")
    if not temporary and _running(url):
        yield Target(url, temporary=False)
        return
    running = ThreadedEmulator(_temporary_config(url, temporary, overrides))
    try:
        running.start()
    except ListenError as error:
        running.stop()
        raise TargetError(str(error).replace("--port 0", "--temporary")) from None
    try:
        yield Target(running.url, temporary=True)
    finally:
        running.stop()
