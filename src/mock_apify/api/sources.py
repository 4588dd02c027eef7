"""Who may talk to the emulator: the guards against web pages on other sites.

A page anywhere can make a browser send requests to 127.0.0.1 (an <img>, a form, a simple
`fetch`), and DNS rebinding can point the page's own host name at 127.0.0.1. So the `Host` header
must name a loopback address, the bound host or an allowed name (every request), and a request
that changes state is refused when the browser says it comes from a page of another origin: its
`Origin`, or for requests without one (an <img> turned into a write by `?method=`), a
`Sec-Fetch-Site: cross-site` whose `Referer` is not allowed either. Clients that are not browsers
(the official clients, curl, tests) send neither header and are served as before."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from aiohttp import web

from ..config import Config, is_loopback_host
from ..errors import InsufficientPermissions

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANY = "*"


def _host_name(header: str) -> str | None:
    """The name in a Host header (`name`, `name:port`, `[v6]`, `[v6]:port`); None when malformed."""
    header = header.strip().lower()
    if header.startswith("["):
        end = header.find("]")
        rest = header[end + 1 :]
        if end < 0 or (rest and not rest.startswith(":")):
            return None
        return header[1:end]
    name, _, _port = header.partition(":")
    if not name or any(c in name for c in "[]/@ \t"):
        return None
    return name.rstrip(".")


def check_host(request: web.Request, config: Config) -> None:
    header = request.headers.get("Host")
    if header is None or ANY in config.allowed_hosts:
        return  # HTTP/1.0 without Host: no browser sends that
    if _host_allowed(header, config.host, config.allowed_hosts):
        return
    raise InsufficientPermissions(
        f"The Host header {header!r} names neither a loopback address nor this emulator's host"
        f" ({config.host}); allow it with --allow-host or MOCK_APIFY_ALLOWED_HOSTS."
    )


@lru_cache(maxsize=256)
def _host_allowed(header: str, host: str, allowed_hosts: tuple[str, ...]) -> bool:
    """Cached: clients send the same Host on every request, and parsing it as an IP address
    (`is_loopback_host`) cost about 10 µs of each request's 300."""
    name = _host_name(header)
    bound = host.lower().removeprefix("[").removesuffix("]")
    return name is not None and (
        is_loopback_host(name) or name == bound or name in {h.lower() for h in allowed_hosts}
    )


def _origin_allowed(origin: str, config: Config) -> bool:
    if ANY in config.allowed_origins or origin.rstrip("/") in config.allowed_origins:
        return True
    try:
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and is_loopback_host(parts.hostname or "")
    except ValueError:
        return False


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else None


def check_origin(request: web.Request, method: str, config: Config) -> None:
    """Refuse a state-changing request that a browser sent from a page of another origin."""
    if method in SAFE_METHODS:
        return
    origin = request.headers.get("Origin")
    if origin is None and request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        origin = _origin_of(request.headers.get("Referer", "")) or "a page of another site"
    if origin is None or _origin_allowed(origin, config):
        return
    raise InsufficientPermissions(
        f"Requests from {origin} may not change this emulator's state; only loopback origins may"
        " (allow others with --allow-origin or MOCK_APIFY_ALLOWED_ORIGINS)."
    )
