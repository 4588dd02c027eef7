"""What every dashboard page shares: the user it shows (picked by a token in a cookie, the default
user otherwise), the guards of the control surface, HTML rendering with Jinja2 (autoescaped), and
errors as HTML pages with their status, never a 500 for a client's mistake."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jinja2
from aiohttp import web

from ...emulator import Emulator
from ...errors import ApiError, UserOrTokenNotFound
from ...model.types import User
from .. import sources

COOKIE = "mock_apify_ui_token"
ROOT = "/_mock/ui/"
# What a page that changes nothing and waits for nothing may load: its own files only.
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make form POSTs send `Origin: null`
    "Cache-Control": "no-store",
}
# The notices an action's redirect names with `?done=`.
NOTICES = {
    "user": "Now showing this user.",
    "test": "TEST event sent: a new dispatch is on its way.",
    "resend": "Resent: this is the new dispatch.",
    "moved": "The run was moved.",
    "fail": "The inbox will fail its next requests as asked.",
    "reset": "This user's records were deleted.",
    "advance": "The clock was advanced.",
    "settle": "Every pending dispatch and job change ran to its end.",
    "unsettled": "Settling gave up before everything ended; see what is still pending.",
}


def mask(token: str) -> str:
    """A token as the page shows it: never whole; Apify's public prefix and at most 4 last characters."""
    prefix = "apify_api_" if token.startswith("apify_api_") else ""
    rest = token[len(prefix) :]
    return prefix + "…" + (rest[-4:] if len(rest) >= 16 else "")


def pretty(value: Any) -> str:
    """JSON pretty-printed, for <pre> blocks."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def pretty_text(text: str) -> str:
    """A body as text: pretty-printed when it is JSON, else as it is."""
    try:
        return pretty(json.loads(text))
    except ValueError:
        return text


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("mock_apify.api.ui", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters.update(pretty=pretty, pretty_text=pretty_text, mask=mask)


@dataclass
class View:
    """One dashboard request: the emulator, the user shown, and what the page says about it."""

    emulator: Emulator
    request: web.Request
    user: User
    chosen: bool  # picked with a token, rather than the default user
    warning: str | None = None

    def render(self, template: str, status: int = 200, **values: Any) -> web.Response:
        clock = self.emulator.clock
        notice = NOTICES.get(self.request.query.get("done", ""))
        html = _ENV.get_template(template).render(
            view=self, user=self.user, clock_mode=clock.mode, now=clock.now_iso(), notice=notice, **values
        )
        return web.Response(text=html, status=status, content_type="text/html", headers=_HEADERS)


def _view(emulator: Emulator, request: web.Request) -> View:
    token = request.cookies.get(COOKIE)
    accounts = emulator.accounts
    if token:
        try:
            return View(emulator, request, accounts.authenticate(token), chosen=True)
        except UserOrTokenNotFound:
            default = accounts.authenticate(emulator.config.default_token)
            warning = "The token chosen earlier is not known to this emulator: showing the default user."
            return View(emulator, request, default, chosen=False, warning=warning)
    return View(emulator, request, accounts.authenticate(emulator.config.default_token), chosen=False)


Page = Callable[[View], Awaitable[web.StreamResponse]]
AiohttpHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def page(emulator: Emulator, handler: Page) -> AiohttpHandler:
    """An aiohttp handler for a dashboard page or action: the control surface's Host and Origin
    guards first, then the page; an API error becomes an HTML page with its status."""

    async def handle(request: web.Request) -> web.StreamResponse:
        view: View | None = None
        try:
            sources.check_host(request, emulator.config)
            sources.check_origin(request, request.method, emulator.config)
            view = _view(emulator, request)
            return await handler(view)
        except ApiError as error:
            return error_page(view, error)

    return handle


def error_page(view: View | None, error: ApiError) -> web.Response:
    """The error as a page that says what went wrong and links back; its status is the error's."""
    if view is None:  # refused before a user was picked: say only what was refused
        return web.Response(
            text=f"{error.status} {error.type}: {error.text}\n", status=error.status, headers=_HEADERS
        )
    return view.render("error.html", status=error.status, error=error)
