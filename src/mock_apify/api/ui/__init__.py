"""The dashboard at /_mock/ui/: server-rendered pages over one user's records, plain-HTML forms for
the actions, and a small script (shipped here, nothing fetched from elsewhere) that refreshes a
page in place. Its routes are aiohttp's, added before the API's catch-all: the pages are HTML for
people, not operations of the OpenAPI document, and every dashboard path that matches none of them
gets the dashboard's own 404 or 405 page."""

from __future__ import annotations

from importlib import resources
from pathlib import PurePath

from aiohttp import web

from ...emulator import Emulator
from ...errors import ApiError, PageNotFound
from .. import sources
from . import actions, jobs, pages
from .view import ROOT, AiohttpHandler, Page, View, error_page, page

_PAGES: tuple[tuple[str, Page], ...] = (
    ("", pages.overview),
    ("webhooks", pages.webhooks),
    ("webhooks/{id}", pages.webhook),
    ("dispatches", pages.dispatches),
    ("dispatches/{id}", pages.dispatch),
    ("runs", jobs.runs),
    ("runs/{id}", jobs.run),
    ("builds/{id}", jobs.build),
    ("inboxes", jobs.inboxes),
    ("inboxes/{name}", jobs.inbox),
    ("clock", jobs.clock),
)
_ACTIONS: tuple[tuple[str, Page], ...] = (
    ("user", actions.choose_user),
    ("webhooks/{id}/test", actions.test_webhook),
    ("dispatches/{id}/resend", actions.resend),
    ("runs/{id}/status", actions.move_run),
    ("inboxes/{name}/fail", actions.fail_inbox),
    ("reset", actions.reset),
    ("clock/advance", actions.advance),
    ("clock/settle", actions.settle),
)
_TYPES = {".css": "text/css", ".js": "text/javascript"}


class NoSuchPage(ApiError):
    status, type, message = 405, "method-not-allowed", "The dashboard has no such action."


def _static() -> dict[str, tuple[bytes, str]]:
    """The page's own CSS and script, read from the package once."""
    folder = resources.files(__package__).joinpath("static")
    return {
        entry.name: (entry.read_bytes(), _TYPES[suffix])
        for entry in folder.iterdir()
        if (suffix := PurePath(entry.name).suffix) in _TYPES
    }


def _static_page(files: dict[str, tuple[bytes, str]]) -> Page:
    async def static(view: View) -> web.StreamResponse:
        found = files.get(view.request.match_info["name"])
        if found is None:
            raise PageNotFound(f"The dashboard has no file {view.request.match_info['name']!r}.")
        return web.Response(body=found[0], content_type=found[1], headers={"Cache-Control": "no-cache"})

    return static


async def _unknown(view: View) -> web.StreamResponse:
    """Any other dashboard path or method: a clear 404 (or 405) page."""
    path, method = view.request.path, view.request.method
    if method in ("GET", "HEAD"):
        return error_page(view, PageNotFound(f"The dashboard has no page {path}."))
    return error_page(
        view, NoSuchPage(f"The dashboard has no {method} {path}: its actions are the page's forms.")
    )


def _root(emulator: Emulator) -> AiohttpHandler:
    """GET /: for a browser (it accepts HTML), a page that links to the dashboard; for API
    clients, the API's 404 as before."""
    for_browsers = page(emulator, pages.root)

    async def root(request: web.Request) -> web.StreamResponse:
        if "text/html" in request.headers.get("Accept", ""):
            return await for_browsers(request)
        sources.check_host(request, emulator.config)
        raise PageNotFound()

    return root


def install(app: web.Application, emulator: Emulator) -> None:
    """Add the dashboard's routes (and GET /, which links to it) ahead of the API's catch-all."""
    router = app.router
    router.add_get("/", _root(emulator))
    router.add_get(ROOT.rstrip("/"), page(emulator, pages.to_root))
    router.add_get(ROOT + "static/{name}", page(emulator, _static_page(_static())))
    for path, handler in _PAGES:
        router.add_get(ROOT + path, page(emulator, handler))
    for path, handler in _ACTIONS:
        router.add_post(ROOT + path, page(emulator, handler))
    router.add_route("*", ROOT + r"{tail:[\s\S]*}", page(emulator, _unknown))
