"""What the dashboard page (/_mock/ui/) reads and does beyond the API's own services: one user's
records gathered for a page, the exact request a dispatch sends, a resend of a dispatch, and an
inbox told to fail. Everything goes through the other services or the store's reads."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from ..clock import Clock
from ..engine.dispatcher import Dispatcher
from ..errors import InvalidRequest, RecordNotFound
from ..ids import iso, new_id
from ..model import events, jobs, templates
from ..model.types import Record, User
from ..store import Storage
from .dispatches import DispatchService
from .inboxes import PAGE_BYTES, InboxService
from .webhooks import WebhookService

# The most records one list of the page shows (each list says when there are more).
LIST_LIMIT = 200
DISPATCH_STATUSES = ("ACTIVE", "SUCCEEDED", "FAILED")
INBOX_PATH = "/_mock/inboxes/"


class Dashboard:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        dispatcher: Dispatcher,
        webhooks: WebhookService,
        dispatches: DispatchService,
        inboxes: InboxService,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._dispatcher = dispatcher
        self._webhooks = webhooks
        self._dispatches = dispatches
        self._inboxes = inboxes

    def webhooks(self, user_id: str) -> tuple[int, list[Record]]:
        """(total, the newest LIST_LIMIT) of the user's webhooks, with lastDispatch and stats."""
        page = self._storage.webhooks.page(user_id, 0, LIST_LIMIT, True)
        return page.total, page.items

    def names(self, user_id: str, records: list[Record]) -> dict[str, str]:
        """The names of the Actors and tasks that webhook conditions and jobs name, by ID (the
        page shows a name beside each ID; a deleted one has none)."""
        names: dict[str, str] = {}
        for record in records:
            refs = record.get("condition") or {"actorId": record.get("actId")}
            for key, table in (("actorId", self._storage.actors), ("actorTaskId", self._storage.tasks)):
                if (ref := refs.get(key)) and ref not in names and (found := table.get(user_id, ref)):
                    names[ref] = found["name"]
        return names

    def dispatches(
        self,
        user_id: str,
        *,
        webhook_id: str | None = None,
        status: str | None = None,
        event_type: str | None = None,
        limit: int = LIST_LIMIT,
    ) -> list[Record]:
        """The user's newest dispatches, filtered; an unknown status is a clear 400."""
        if status and status not in DISPATCH_STATUSES:
            raise InvalidRequest(
                f"Unknown dispatch status {status!r}: use one of {', '.join(DISPATCH_STATUSES)}."
            )
        return self._storage.dispatches.newest(
            user_id, limit, webhook_id=webhook_id, status=status, event_type=event_type
        )

    def next_attempt_at(self, dispatch: Record) -> float | None:
        return self._storage.dispatches.next_attempt_at(dispatch["id"])

    def sent_request(self, dispatch: Record) -> Record:
        """The exact request every attempt of the dispatch sends (`url`, `headers`, `body` bytes),
        or `renderError`. Rendering is CPU work: call it from a worker thread."""
        stored, _attempts = self._storage.dispatches.delivery(dispatch["id"])
        return events.render_request(stored)

    def sample(self, webhook: Record) -> Record:
        """The webhook's request for a sample event of its first event type, as a dispatch would
        send it (`headers`, `payload` text), or `error`: for a worker thread, like `sent_request`."""
        context = templates.sample_context() | {"eventType": (webhook.get("eventTypes") or ["TEST"])[0]}
        interpolate = bool(webhook.get("shouldInterpolateStrings"))
        try:
            payload = templates.render_payload(
                webhook.get("payloadTemplate"), context, interpolate_strings=interpolate
            )
            headers = templates.render_headers(
                webhook.get("headersTemplate"), context, interpolate_strings=interpolate
            )
        except templates.TemplateError as error:
            return {"error": str(error)}
        sent = events.request_headers(headers, webhook["id"], "SampleDispatch001")
        return {"headers": sent, "payload": payload.decode("utf-8", errors="replace")}

    def resend(self, dispatch_id: str, user_id: str | None = None) -> Record:
        """A new dispatch of the same event to the same webhook with the same request (only the
        dispatch ID header names the new one), due now; with `user_id`, only that user's."""
        old = self._storage.dispatches.get_any(dispatch_id)
        if old is None or user_id not in (None, old["userId"]):
            raise RecordNotFound("Webhook dispatch was not found")
        webhook = self._webhooks.get(old["userId"], old["webhookId"])  # a deleted one cannot be resent
        stored, _attempts = self._storage.dispatches.delivery(old["id"])
        new = new_id()
        request = stored | {"dispatchId": new}
        if "headers" in stored:  # stored already rendered by an older version
            request["headers"] = stored["headers"] | {"X-Apify-Webhook-Dispatch-Id": new}
        dispatch = {k: v for k, v in old.items() if k not in ("status", "calls")}
        dispatch |= {"id": new, "createdAt": iso(self._clock.time()), "webhookId": webhook["id"]}
        self._storage.dispatches.insert(dispatch, request, self._clock.time())
        self._dispatcher.kick()
        return dispatch | {"status": "ACTIVE", "calls": []}

    def jobs(self, user_id: str, kind: str) -> tuple[int, list[Record]]:
        """(total, the newest LIST_LIMIT) of the user's runs or builds."""
        page = self._storage.jobs.page(kind, user_id, 0, LIST_LIMIT, True)
        return page.total, page.items

    def job(self, kind: str, job_id: str, user: User) -> tuple[Record, str]:
        """A run or build of the user, and its log."""
        state = self._storage.jobs.state(job_id)
        if state is None or state[0] != kind or state[1]["userId"] != user.id:
            raise RecordNotFound(
                "Actor run was not found" if kind == jobs.RUN else "Actor build was not found"
            )
        return state[1], state[2]

    def inbox_names(self, user_id: str) -> list[str]:
        """The inboxes of this emulator that the user's webhooks deliver to. Inboxes belong to no
        user; the page lists only these, and opens any other by its name."""
        names = set()
        for webhook in self.webhooks(user_id)[1]:
            path = urlsplit(webhook["requestUrl"]).path
            if path.startswith(INBOX_PATH) and "/" not in (name := unquote(path[len(INBOX_PATH) :])):
                names.add(name)
        return sorted(names - {""})

    def messages(self, name: str, limit: int) -> tuple[int, list[Record]]:
        """(total, the newest `limit`) of an inbox's messages, newest first."""
        total = self._storage.inboxes.messages(name, 2**62, 1, 0).total
        page = self._storage.inboxes.messages(name, max(0, total - limit), limit, PAGE_BYTES)
        return total, page.items[::-1]

    def fail_next(self, name: str, times: int, status: int) -> Record:
        """The inbox answers `status` to its next `times` requests, then as it did before."""
        behaviour = self._inboxes.behaviour(name)
        step = {"status": status, "times": times, "body": "failing on purpose (dashboard)"}
        return self._inboxes.set_behaviour(name, behaviour | {"script": [step, *behaviour.get("script", [])]})
