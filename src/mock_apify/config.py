"""Emulator settings: one frozen object, built from defaults, environment variables or the CLI."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_DB = "mock-apify.db"
MEMORY_DB = ":memory:"

DEFAULT_USER_ID = "MockDefaultUser01"
DEFAULT_USERNAME = "mock-user"
DEFAULT_TOKEN = "apify_api_mock_default_token_0000000000"

ENV_PREFIX = "MOCK_APIFY_"


def is_loopback_host(host: str) -> bool:
    """`localhost` (and its subdomains, which browsers resolve to loopback) or a loopback address."""
    host = host.lower().rstrip(".").removeprefix("[").removesuffix("]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url(host: str, port: int) -> str:
    """`http://host:port`, with an IPv6 address in brackets; a wildcard host (all interfaces)
    becomes the loopback address of its family, which is where local clients reach it."""
    host = host.removeprefix("[").removesuffix("]")
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _names(value: str) -> tuple[str, ...]:
    """A comma-separated list, e.g. MOCK_APIFY_ALLOWED_ORIGINS=https://a.example,https://b.example."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def flag(value: str) -> bool:
    """A yes/no setting: 1, true, yes, on, or 0, false, no, off."""
    lowered = value.strip().lower()
    if lowered not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise ValueError(value)
    return lowered in ("1", "true", "yes", "on")


def json_object(value: str) -> dict[str, Any]:
    """A JSON object, e.g. MOCK_APIFY_CHAOS='{"duplicate": true}'."""
    parsed = json.loads(value)
    if not isinstance(parsed, dict):
        raise ValueError(value)
    return parsed


# Environment variable (after the prefix) -> (Config field, parser).
_ENVIRONMENT: dict[str, tuple[str, Callable[[str], object]]] = {
    "HOST": ("host", str),
    "PORT": ("port", int),
    "DB": ("db", str),
    "SEED": ("seed", Path),
    "MAX_WEBHOOKS_PER_USER": ("max_webhooks_per_user", int),
    "CLOCK": ("clock", str),
    "RETRY_BASE_DELAY": ("retry_base_delay", float),
    "DELIVERY_TIMEOUT": ("delivery_timeout", float),
    "ALLOWED_ORIGINS": ("allowed_origins", _names),
    "ALLOWED_HOSTS": ("allowed_hosts", _names),
    "SHUTDOWN_TIMEOUT": ("shutdown_timeout", float),
    "HEADER_TIMEOUT": ("header_timeout", float),
    "IDLE_TIMEOUT": ("idle_timeout", float),
    "MAX_CONNECTIONS": ("max_connections", int),
    "INBOX_MAX_MESSAGES": ("inbox_max_messages", int),
    "INBOX_MAX_BYTES": ("inbox_max_bytes", int),
    "CHAOS": ("chaos", json_object),
    "RATE_LIMIT": ("rate_limit", flag),
}


# (setting, lowest, highest, whether the lowest itself is allowed), in seconds.
_BOUNDS = (
    ("retry_base_delay", 0.0, 3600.0, True),
    ("delivery_timeout", 0.0, 3600.0, False),
)


@dataclass(frozen=True)
class Config:
    """Everything `create_app` needs; no module-level state, so many emulators can share a process."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    db: str = DEFAULT_DB
    # A seed file (fixtures format) loaded at start-up; None means the bundled default seed.
    seed: Path | None = None
    # Load no seed at all (only the default user), e.g. for tests that want an empty emulator.
    no_seed: bool = False
    max_webhooks_per_user: int = 100
    # Apify's limit on request bodies, measured after decompression.
    max_body_bytes: int = 9 * 1024 * 1024
    # "real": wall-clock time. "virtual": time stands still until /_mock/clock/advance moves it.
    clock: str = "real"
    # The first retry of a failed delivery comes after this many seconds, then it doubles (Apify: 60).
    retry_base_delay: float = 60.0
    # Per-attempt timeout of a delivery, in real seconds (Apify: 2 minutes).
    delivery_timeout: float = 120.0
    # Delivery attempts in flight at once, in all, per user and per receiver (scheme, host and
    # port): a receiver that hangs holds at most its share, so it delays no one else.
    max_deliveries_in_flight: int = 32
    max_deliveries_per_user: int = 16
    max_deliveries_per_host: int = 8
    # After SIGTERM, waits and log streams end at once; other requests get this many seconds.
    shutdown_timeout: float = 2.0
    # Seconds a client has to send a whole request head once it sent its first byte (slowloris).
    header_timeout: float = 10.0
    # Seconds a connection may wait for its next request (longer than clients' own pool timeouts:
    # aiohttp 15 s, httpx 5 s), so the client, not the emulator, closes it in normal use.
    idle_timeout: float = 30.0
    # Open connections at most (lowered to fit the process's file descriptor limit).
    max_connections: int = 1000
    # Each /_mock/inboxes inbox keeps its newest messages within both caps (bytes as stored).
    inbox_max_messages: int = 1000
    inbox_max_bytes: int = 32 * 1024 * 1024
    # Origins (`scheme://host[:port]`, or "*") whose pages may change state, beyond loopback ones.
    allowed_origins: tuple[str, ...] = ()
    # Host header names served beyond loopback ones and `host` (DNS rebinding guard); "*": any.
    allowed_hosts: tuple[str, ...] = ()
    # An outbound chaos rule for every dispatch, as `POST /_mock/chaos` takes it (docs/control-api.md).
    chaos: dict[str, Any] | None = dataclasses.field(default=None, hash=False)
    # Enforce Apify's per-resource rate limits (429 rate-limit-exceeded) for every user.
    rate_limit: bool = False
    # The default user always exists; seed files and /_mock/users add more.
    default_user_id: str = DEFAULT_USER_ID
    default_username: str = DEFAULT_USERNAME
    default_token: str = DEFAULT_TOKEN

    def __post_init__(self) -> None:
        """Bounds on the settings that time deliveries: the retry delay moves the virtual clock
        too, and the whole schedule (2047 base delays) stays within 85 days."""
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be from 0 to 65535 (0 picks a free one), not {self.port}")
        for name, low, high, low_allowed in _BOUNDS:
            value = getattr(self, name)
            if not (low <= value <= high) or (value == low and not low_allowed):
                side = "at least" if low_allowed else "more than"
                raise ValueError(f"{name} must be {side} {low:g} and at most {high:g} seconds, not {value!r}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Config:
        """Read MOCK_APIFY_HOST, _PORT, _DB, _SEED, _MAX_WEBHOOKS_PER_USER, _CLOCK, _RETRY_BASE_DELAY,
        _DELIVERY_TIMEOUT, _ALLOWED_ORIGINS, _ALLOWED_HOSTS, _SHUTDOWN_TIMEOUT, _HEADER_TIMEOUT,
        _IDLE_TIMEOUT, _MAX_CONNECTIONS, _INBOX_MAX_MESSAGES, _INBOX_MAX_BYTES, _CHAOS and
        _RATE_LIMIT; unset ones keep defaults."""
        env = os.environ if environ is None else environ
        changes: dict[str, object] = {}
        for name, (field, parse) in _ENVIRONMENT.items():
            if value := env.get(ENV_PREFIX + name):
                try:
                    changes[field] = parse(value)
                except ValueError:
                    raise ValueError(
                        f"{ENV_PREFIX}{name}={value!r} is not a valid {parse.__name__}"
                    ) from None
        return replace(cls(), **changes)  # type: ignore[arg-type]
