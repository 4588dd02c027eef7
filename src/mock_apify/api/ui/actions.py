"""The dashboard's actions: plain HTML form POSTs, each confirmed before it changes anything (a
`confirmed` field, set by the page's dialog, or by the confirmation page that a POST without it
gets), each calling the service the matching control endpoint calls, then 303 to the result."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote

from aiohttp import web

from ...clock import ClockIsReal, ClockLimit
from ...errors import InvalidRequest
from ...model import jobs
from ..body import read_body
from .jobs import inbox_name
from .pages import redirect
from .view import COOKIE, ROOT, View

# Settling from the page waits at most this long (real seconds), then says what is left.
SETTLE_SECS = 10.0
MAX_FAILURES = 1000
MAX_FIELDS = 20


async def _form(view: View) -> dict[str, str]:
    """The posted form, as the page's forms send it (URL-encoded UTF-8, whatever the content type
    says, as the control API reads JSON); anything else is a clear 400."""
    raw = await read_body(view.request, view.emulator.config.max_body_bytes)
    try:
        return dict(parse_qsl(raw.decode(), keep_blank_values=True, max_num_fields=MAX_FIELDS))
    except ValueError:  # UnicodeDecodeError included
        raise InvalidRequest(
            f"The form must be URL-encoded UTF-8 with at most {MAX_FIELDS} fields, as the page's forms send it."
        ) from None


def _confirm(view: View, form: dict[str, str], question: str) -> web.StreamResponse | None:
    """None when the action was confirmed; else the page that asks, with the same form."""
    if form.get("confirmed") == "yes":
        return None
    return view.render("confirm.html", question=question, action=view.request.path, fields=form)


def _int(form: dict[str, str], name: str, low: int, high: int, default: int | None = None) -> int:
    raw = form.get(name, "").strip()
    if not raw and default is not None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidRequest(f"{name} must be a whole number from {low} to {high}, not {raw!r}.") from None
    if not low <= value <= high:
        raise InvalidRequest(f"{name} must be from {low} to {high}, not {value}.")
    return value


def _back(form: dict[str, str], default: str) -> str:
    """Where the form asks to go after the action: a dashboard page only (never another site)."""
    back = form.get("back", "")
    return back if back.startswith(ROOT) and "//" not in back and "\\" not in back else default


async def choose_user(view: View) -> web.StreamResponse:
    """Show another user: the one whose token the form gives, or the default user again."""
    form = await _form(view)
    response = redirect(f"{ROOT}?done=user")
    if "default" in form:
        response.del_cookie(COOKIE, path=ROOT)
        return response
    token = form.get("token", "").strip()
    if not token:
        raise InvalidRequest("Give the token of the user to show.")
    view.emulator.accounts.authenticate(token)  # an unknown token is refused here, not stored
    response.set_cookie(COOKIE, token, path=ROOT, httponly=True, samesite="Strict")
    return response


async def test_webhook(view: View) -> web.StreamResponse:
    form = await _form(view)
    hook = view.emulator.webhooks.get(view.user.id, view.request.match_info["id"])
    if asking := _confirm(view, form, f"Send a TEST event to {hook['requestUrl']}?"):
        return asking
    dispatch = view.emulator.dispatches.test(view.user.id, hook["id"], None)
    return redirect(f"{ROOT}dispatches/{dispatch['id']}?done=test")


async def resend(view: View) -> web.StreamResponse:
    form = await _form(view)
    old = view.emulator.dispatches.get(view.user.id, view.request.match_info["id"])
    if asking := _confirm(view, form, f"Send dispatch {old['id']}'s request again, as a new dispatch?"):
        return asking
    dispatch = view.emulator.dashboard.resend(old["id"], view.user.id)
    return redirect(f"{ROOT}dispatches/{dispatch['id']}?done=resend")


async def move_run(view: View) -> web.StreamResponse:
    form = await _form(view)
    run, _log = view.emulator.dashboard.job(jobs.RUN, view.request.match_info["id"], view.user)
    status = form.get("status", "")
    if status not in jobs.TERMINAL:
        raise InvalidRequest(f"Move a run to one of {', '.join(sorted(jobs.TERMINAL))}, not {status!r}.")
    if run["status"] in jobs.TERMINAL:
        raise InvalidRequest(f"Run {run['id']} has ended ({run['status']}); only a running one can be moved.")
    step: dict[str, object] = {"status": status, "exitCode": _int(form, "exitCode", 0, 255, default=0)}
    if message := form.get("statusMessage", "").strip():
        step["statusMessage"] = message
    if asking := _confirm(view, form, f"Move run {run['id']} from {run['status']} to {status}?"):
        return asking
    view.emulator.runs.move(jobs.RUN, run["id"], step)
    return redirect(f"{ROOT}runs/{run['id']}?done=moved")


async def fail_inbox(view: View) -> web.StreamResponse:
    form = await _form(view)
    name = inbox_name(view.request.match_info["name"])
    times = _int(form, "times", 1, MAX_FAILURES)
    status = _int(form, "status", 400, 599, default=500)
    if asking := _confirm(view, form, f"Answer {status} to the next {times} requests to inbox {name!r}?"):
        return asking
    view.emulator.dashboard.fail_next(name, times, status)
    return redirect(f"{ROOT}inboxes/{quote(name, safe='')}?done=fail")


async def reset(view: View) -> web.StreamResponse:
    form = await _form(view)
    question = f"Delete every record of user {view.user.username} (webhooks, dispatches, runs, Actors)?"
    if asking := _confirm(view, form, question):
        return asking
    view.emulator.accounts.wipe(view.user.id)
    return redirect(f"{ROOT}webhooks?done=reset")


async def advance(view: View) -> web.StreamResponse:
    form = await _form(view)
    seconds = _int(form, "seconds", 1, 365 * 24 * 3600)
    if asking := _confirm(view, form, f"Move the virtual clock {seconds} s forward?"):
        return asking
    try:
        view.emulator.advance(seconds)
    except (ClockIsReal, ClockLimit) as error:
        raise InvalidRequest(str(error)) from None
    return redirect(_with_notice(_back(form, f"{ROOT}clock"), "advance"))


async def settle(view: View) -> web.StreamResponse:
    form = await _form(view)
    if asking := _confirm(view, form, "Run every pending dispatch and job change to its end?"):
        return asking
    settled = await view.emulator.settle(max_rounds=1000, time_limit=SETTLE_SECS)
    return redirect(_with_notice(_back(form, f"{ROOT}clock"), "settle" if settled else "unsettled"))


def _with_notice(location: str, notice: str) -> str:
    path = location.split("?", 1)[0]
    return f"{path}?done={notice}"
