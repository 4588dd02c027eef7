"""A test's user on an emulator (`Session`): its token, namespace, inboxes and the records made
through it, and what the handle does as that user, as operations (see `operations`). Both views,
`MockApify` and `AsyncMockApify`, share one session.

Nothing here touches another user's records, so tests beside it (on the same emulator) neither
see nor disturb what this one does. Records are plain dicts, as the API returns them."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .client import HTTP_TIMEOUT, Body, Call, MockApifyError, Record
from .inbox import AsyncInbox, Inbox, Mailbox, Message
from .operations import Op, every_item

_PAGE = 1000

if TYPE_CHECKING:
    from faker import Faker

INBOX_NAME = re.compile(r"^[A-Za-z0-9._~-]{1,100}$")


def record_id(record: Record | str) -> str:
    return record if isinstance(record, str) else str(record["id"])


class Session:
    """One test's user on one emulator, and its operations."""

    def __init__(self, url: str, user: Mapping[str, Any], faker_seed: int) -> None:
        #: Base URL of the emulator, e.g. `http://127.0.0.1:53211` (give it as `api_url`/`baseUrl`).
        self.url = url.rstrip("/")
        self.user_id = str(user["id"])
        self.username = str(user["username"])
        self.token = str(user["token"])
        #: Actors created through the handle (marker, `add_actor`, `seed`) by name.
        self.actors: dict[str, Record] = {}
        #: What the latest `settle()` answered: `settled`, `pending`, `clock`.
        self.last_settle: Record | None = None
        self.faker_seed = faker_seed
        self._faker: Faker | None = None
        self._namespace = uuid.uuid4().hex[:12]
        self._mailboxes: dict[str, Mailbox] = {}

    # --- state ------------------------------------------------------------------------------

    def mailbox(self, name: str) -> Mailbox:
        """The test's inbox `name`; its name on the emulator is namespaced, so tests never share
        an inbox. `close()` empties it."""
        if not INBOX_NAME.match(name):
            raise ValueError(f"inbox names use letters, digits and . _ ~ - (1 to 100), not {name!r}")
        if name not in self._mailboxes:
            self._mailboxes[name] = Mailbox(name, f"{self._namespace}-{name}", self.url)
        return self._mailboxes[name]

    def mailbox_of(self, inbox: Inbox | AsyncInbox | str) -> Mailbox:
        return self.mailbox(inbox) if isinstance(inbox, str) else inbox.mailbox

    @property
    def faker(self) -> Faker:
        """This test's Faker, seeded (marker `faker_seed`, else from the test's node id), so the
        same test makes the same names on every run."""
        if self._faker is None:
            from faker import Faker  # imported on first use: it is slow to import

            self._faker = Faker()
            self._faker.seed_instance(self.faker_seed)
        return self._faker

    def actor_id(self, actor: Record | str) -> str:
        """The id of a record, an id, or the name of an Actor made through the handle."""
        if isinstance(actor, str) and actor in self.actors:
            return str(self.actors[actor]["id"])
        return record_id(actor)

    # --- raw API ----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        auth: bool = True,
    ) -> Op[Any]:
        """Call the emulator as the test's user (`auth=False`: without a token) and return the
        decoded JSON answer exactly as the API sent it, `{"data": ...}` envelope included (None
        for an empty one); an error status raises `MockApifyError`. The other helpers return bare
        records."""
        return (yield Call(method, path, body, token=self.token if auth else None, params=params))

    def data(self, method: str, path: str, body: Any = None, **params: Any) -> Op[Any]:
        """The `data` of a call as the test's user."""
        answer = yield from self.request(method, path, body, params=params or None)
        return answer["data"]

    # --- clock ------------------------------------------------------------------------------

    def clock(self) -> Op[Record]:
        """The emulator's clock: `{"mode", "now", "epochSeconds"}`. It is shared by every test on
        the emulator and only moves forward, so compare times, not absolute values."""
        clock: Record = yield from self.data("GET", "/_mock/clock")
        return clock

    def advance(self, seconds: float) -> Op[str]:
        """Move the virtual clock forward (deliveries that fall due go out in the background) and
        return the new time (ISO 8601). The session emulator's clock is virtual by default."""
        clock = yield from self.data("POST", "/_mock/clock/advance", {"seconds": seconds})
        return str(clock["now"])

    def settle(self, *, max_rounds: int | None = None, timeout_secs: float | None = None) -> Op[bool]:
        """Run every pending dispatch to its end (jumping the virtual clock to each retry) and say
        whether everything settled; the emulator gives up after `timeout_secs` real seconds
        (default 30) or `max_rounds` rounds (default 1000)."""
        limits = {"maxRounds": max_rounds, "timeoutSecs": timeout_secs}
        answer = yield from self._settle({key: value for key, value in limits.items() if value is not None})
        return bool(answer["settled"])

    def settle_reading(self, mailbox: Mailbox) -> Op[list[Message]]:
        """`settle()`, then every message of the inbox, oldest first: the first page comes with the
        settle's answer, so an assertion costs one request."""
        answer = yield from self._settle({"inbox": mailbox.full_name})
        page = answer["inbox"]
        if len(page["items"]) < page["total"]:
            return (yield from mailbox.messages())
        return [Message.from_item(item) for item in page["items"]]

    def _settle(self, body: Record) -> Op[Record]:
        timeout = (body.get("timeoutSecs") or 30.0) + HTTP_TIMEOUT
        answer = yield Call("POST", "/_mock/dispatches/settle", body, timeout=timeout, waits=True)
        data: Record = answer["data"]
        self.last_settle = {key: data[key] for key in ("settled", "pending", "clock")}
        return data

    # --- records ----------------------------------------------------------------------------

    def add_actor(self, /, name: str | None = None, **fields: Any) -> Op[Record]:
        """Create an Actor (POST /v2/actors) with the API's field names, e.g.
        `add_actor("my-actor", title="My Actor")`; without a name the emulator makes one up."""
        body = fields | ({"name": name} if name is not None else {})
        actor: Record = yield from self.data("POST", "/v2/actors", body)
        self.actors[actor["name"]] = actor
        return actor

    def add_task(self, /, actor: Record | str, name: str | None = None, **fields: Any) -> Op[Record]:
        """Create a task of `actor` (a record, an Actor id, or the name of an Actor created through
        this handle) through POST /v2/actor-tasks, e.g. `add_task(actor, "daily", input={...})`."""
        body = fields | {"actId": self.actor_id(actor)} | ({"name": name} if name is not None else {})
        task: Record = yield from self.data("POST", "/v2/actor-tasks", body)
        return task

    def add_webhook(
        self,
        /,
        request_url: Inbox | AsyncInbox | str,
        event_types: str | Sequence[str],
        *,
        actor: Record | str | None = None,
        task: Record | str | None = None,
        **fields: Any,
    ) -> Op[Record]:
        """Create a webhook (POST /v2/webhooks) calling `request_url` (an inbox or a URL) on
        `event_types`, for `actor` or `task` (or give `condition=` yourself); other fields use the
        API's names, e.g. `add_webhook(inbox, "ACTOR.RUN.FAILED", actor=a, doNotRetry=True)`."""
        body: Record = {
            "eventTypes": [event_types] if isinstance(event_types, str) else list(event_types),
            "requestUrl": request_url if isinstance(request_url, str) else request_url.url,
        }
        if actor is not None:
            body["condition"] = {"actorId": self.actor_id(actor)}
        elif task is not None:
            body["condition"] = {"actorTaskId": record_id(task)}
        webhook: Record = yield from self.data("POST", "/v2/webhooks", body | fields)
        return webhook

    def set_behaviour(
        self,
        actor: Record | str,
        *,
        run: Mapping[str, Any] | None = None,
        build: Mapping[str, Any] | None = None,
    ) -> Op[None]:
        """How the Actor's next runs and builds end, e.g. `set_behaviour(a, run={"status": "FAILED",
        "exitCode": 1, "afterSecs": 30, "items": [...]})`; `{"status": None}` keeps them RUNNING
        until `move_run`. A run's `output` becomes its OUTPUT record (`record(run, "OUTPUT")`) and
        `records` its other records. Without a behaviour they succeed at once."""
        body = {key: dict(value) for key, value in (("run", run), ("build", build)) if value is not None}
        yield from self.data("PUT", f"/_mock/actors/{self.actor_id(actor)}/behaviour", body)

    # --- runs -------------------------------------------------------------------------------

    def start_run(
        self,
        actor: Record | str | None = None,
        *,
        task: Record | str | None = None,
        run_input: Any = None,
        webhooks: Sequence[Mapping[str, Any]] = (),
    ) -> Op[Record]:
        """Start a run of `actor` (or of `task`) as a client would, with ad-hoc `webhooks` (API field
        names: eventTypes, requestUrl — an Inbox's `.url`, ...); returns the run, still READY."""
        path = (
            f"/v2/actor-tasks/{record_id(task)}/runs"
            if task is not None
            else f"/v2/actors/{self.actor_id(actor or '')}/runs"
        )
        encoded = base64.b64encode(json.dumps(list(webhooks)).encode()).decode()
        run: Record = yield from self.data(
            "POST", path, run_input, **({"webhooks": encoded} if webhooks else {})
        )
        return run

    def move_run(
        self,
        run: Record | str,
        status: str,
        *,
        exit_code: int | None = None,
        status_message: str | None = None,
        items: Sequence[Any] = (),
    ) -> Op[Record]:
        """Move a run to `status` now (firing its event), adding `items` to its dataset."""
        given = {"status": status, "exitCode": exit_code, "statusMessage": status_message}
        body: Record = {key: value for key, value in given.items() if value is not None}
        if items:
            body["items"] = list(items)
        answer = yield from self.request(
            "POST", f"/_mock/actor-runs/{record_id(run)}/status", body, auth=False
        )
        moved: Record = answer["data"]
        return moved

    def run(self, run: Record | str) -> Op[Record]:
        """A run as GET /v2/actor-runs/{id} shows it now."""
        found: Record = yield from self.data("GET", f"/v2/actor-runs/{record_id(run)}")
        return found

    def _dataset_path(self, run_or_dataset: Record | str) -> Op[str]:
        """The API path of a dataset (a record or its id or name) or of a run's default dataset (a
        run record or id): a string is tried as a dataset first."""
        if not isinstance(run_or_dataset, str):
            return f"/v2/datasets/{run_or_dataset.get('defaultDatasetId') or run_or_dataset['id']}"
        try:
            yield from self.request("GET", f"/v2/datasets/{run_or_dataset}")
        except MockApifyError as error:
            if error.status != 404:
                raise
            return f"/v2/actor-runs/{run_or_dataset}/dataset"
        return f"/v2/datasets/{run_or_dataset}"

    def dataset_items(self, run_or_dataset: Record | str) -> Op[list[Any]]:
        """All the items of a dataset, oldest first: a run's default dataset (a run record, or a
        run id) or a dataset (its id or name, or a record with no `defaultDatasetId`)."""
        path = yield from self._dataset_path(run_or_dataset)
        return (yield from _all_items(f"{path}/items", self.token))

    def add_dataset(self, name: str | None = None, items: Sequence[Record] = ()) -> Op[Record]:
        """The test user's dataset `name` (made when missing; unnamed and new without a name),
        with `items` pushed to it."""
        dataset: Record = yield from self.data("POST", "/v2/datasets", **({"name": name} if name else {}))
        if items:
            yield from self.push_items(dataset, items)
        return dataset

    def push_items(self, run_or_dataset: Record | str, items: Record | Sequence[Record]) -> Op[None]:
        """Append an item (an object) or items to a dataset or a run's default dataset, as
        `dataset_items` finds them, as POST .../items does."""
        path = yield from self._dataset_path(run_or_dataset)
        yield from self.request("POST", f"{path}/items", items if isinstance(items, Mapping) else list(items))

    def record(self, run: Record | str, key: str) -> Op[Record | None]:
        """A record of a run's default key-value store, e.g. `record(run, "OUTPUT")`, as
        `{"key", "value", "contentType"}` with the value decoded as the official client decodes
        it (JSON parsed, text as str, anything else as bytes); None when the store has no `key`."""
        path = f"/v2/actor-runs/{record_id(run)}/key-value-store/records/{quote(key, safe='')}"
        try:
            body: Body = yield Call("GET", path, token=self.token, as_bytes=True)
        except MockApifyError as error:
            if error.status == 404 and error.message == "Record was not found":
                return None
            raise
        return {"key": key, "value": _decoded(body), "contentType": body.content_type}

    def actor(self, actor: Record | str) -> Op[Record]:
        """An Actor (a record, an id, or the name of one made through the handle), full, as
        GET /v2/actors/{id} shows it now."""
        found: Record = yield from self.data("GET", f"/v2/actors/{self.actor_id(actor)}")
        return found

    def task(self, task: Record | str) -> Op[Record]:
        """A task, full, as GET /v2/actor-tasks/{id} shows it now."""
        found: Record = yield from self.data("GET", f"/v2/actor-tasks/{record_id(task)}")
        return found

    # --- webhooks and dispatches ------------------------------------------------------------

    def test_webhook(self, webhook: Record | str) -> Op[Record]:
        """Fire a TEST event (POST /v2/webhooks/{id}/test); returns the new dispatch."""
        dispatch: Record = yield from self.data("POST", f"/v2/webhooks/{record_id(webhook)}/test")
        return dispatch

    def webhook(self, webhook: Record | str) -> Op[Record]:
        """A webhook, full (with `payloadTemplate`, `headersTemplate`, `description`), as
        GET /v2/webhooks/{id} shows it now."""
        found: Record = yield from self.data("GET", f"/v2/webhooks/{record_id(webhook)}")
        return found

    def webhooks(self) -> Op[list[Record]]:
        """All the test user's webhooks, as list items (GET /v2/webhooks leaves out
        `payloadTemplate`, `headersTemplate` and `description`; `webhook(id)` has them)."""
        return (yield from every_item("/v2/webhooks", self.token))

    def dispatches(self, webhook: Record | str | None = None) -> Op[list[Record]]:
        """All the test user's dispatches, or those of one webhook, oldest first."""
        path = (
            "/v2/webhook-dispatches" if webhook is None else f"/v2/webhooks/{record_id(webhook)}/dispatches"
        )
        return (yield from every_item(path, self.token))

    def dispatch(self, dispatch: Record | str) -> Op[Record]:
        """One dispatch as it is now, with its `status` and `calls`."""
        found: Record = yield from self.data("GET", f"/v2/webhook-dispatches/{record_id(dispatch)}")
        return found

    # --- teardown ---------------------------------------------------------------------------

    def close(self) -> Op[None]:
        """Delete the test user's records and empty its inboxes, in one request (the plugin does
        it after the test); the user and token stay valid."""
        inboxes = [mailbox.full_name for mailbox in self._mailboxes.values()]
        yield Call(
            "POST", "/_mock/reset", {"userId": self.user_id} | ({"inboxes": inboxes} if inboxes else {})
        )
        self._mailboxes.clear()
        self.actors.clear()


def _decoded(body: Body) -> Any:
    media = body.content_type.split(";")[0].strip().lower()
    if media == "application/json":
        return json.loads(body.data)
    if media.startswith("text/") or (media.startswith("application/") and media.endswith("xml")):
        return body.data.decode()
    return body.data


def _all_items(path: str, token: str) -> Op[list[Any]]:
    """Every item of a dataset (a bare JSON array per page), oldest first."""
    items: list[Any] = []
    while True:
        page = yield Call("GET", path, token=token, params={"offset": len(items), "limit": _PAGE})
        items += page
        if len(page) < _PAGE:
            return items
