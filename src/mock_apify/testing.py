"""The per-test handle of the pytest plugin (see `mock_apify.pytest_plugin`): a user of its own on
an emulator, its inboxes, clock control, record helpers and assertions on deliveries.

Only the standard library's `urllib.request` talks to the emulator, so the handle works the same
from sync and async tests: the session emulator runs on its own loop in another thread, and a
blocking call from an async test cannot deadlock it. `AsyncMockApify` wraps a handle with the same
methods as coroutines (each blocking call runs in `asyncio.to_thread`), for an emulator that runs
on the test's own loop (`mock_apify_app`) or a receiver that does.
"""

from __future__ import annotations

import asyncio
import base64
import json as _json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apify_client import ApifyClient, ApifyClientAsync
    from faker import Faker

__all__ = [
    "AsyncInbox",
    "AsyncMockApify",
    "Delivery",
    "Inbox",
    "Message",
    "MissingClientError",
    "MockApify",
    "MockApifyError",
    "SeedFileError",
    "Seeded",
    "Settings",
    "UserPool",
]

Record = dict[str, Any]

# Every request gets an answer well within this; settle() adds its own time limit on top.
_HTTP_TIMEOUT = 60.0
_PAGE = 1000
_INBOX_NAME = re.compile(r"^[A-Za-z0-9._~-]{1,100}$")
_INBOX_PATH = re.compile(r"^/_mock/inboxes/([^/?#]+)$")
_EXCERPT = 160


class MockApifyError(Exception):
    """A call to the emulator answered with an error status; `status`, `type` and `message` are
    those of Apify's error envelope."""

    def __init__(self, method: str, path: str, status: int, error_type: str, message: str) -> None:
        self.method, self.path, self.status, self.type, self.message = (
            method,
            path,
            status,
            error_type,
            message,
        )
        super().__init__(f"{method} {path} answered {status} {error_type}: {message}")


class MissingClientError(ImportError):
    """`client()` / `async_client()` need the optional `apify-client` package."""


class SeedFileError(ValueError):
    """A seed file that `load_seed` cannot load; the message names the file and the record."""


class _Http:
    """Blocking JSON over HTTP to one emulator; no proxy, whatever the environment says."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        params: Mapping[str, Any] | None = None,
        timeout: float = _HTTP_TIMEOUT,
    ) -> Any:
        url = self.base_url + path
        if params:
            url += "?" + urllib.parse.urlencode({k: _query_value(v) for k, v in params.items()})
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = _json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self._opener.open(request, timeout=timeout) as response:
                raw: bytes = response.read()
        except urllib.error.HTTPError as error:
            try:
                raw = error.read()
            finally:
                error.close()
            raise _error(method, path, error.code, raw) from None
        return _json.loads(raw) if raw else None


def _query_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _error(method: str, path: str, status: int, raw: bytes) -> MockApifyError:
    try:
        error = _json.loads(raw)["error"]
        return MockApifyError(method, path, status, str(error.get("type")), str(error.get("message")))
    except (ValueError, KeyError, TypeError, AttributeError):
        return MockApifyError(method, path, status, "unknown", raw.decode(errors="replace")[:500])


# --- what inboxes received ---------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One request an inbox received, decoded."""

    received_at: str
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: str
    #: The body parsed as JSON, or None when it is empty or not JSON.
    json: Any = None
    #: `eventType` of a JSON object body (what Apify's default payload carries), else None.
    event_type: str | None = None
    #: `X-Apify-Webhook-Dispatch-Id` and `X-Apify-Webhook`: set on deliveries of dispatches.
    dispatch_id: str | None = None
    webhook_id: str | None = None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Message:
        headers = {str(k): str(v) for k, v in (item.get("headers") or {}).items()}
        body = str(item.get("body") or "")
        parsed: Any = None
        if body.strip():
            try:
                parsed = _json.loads(body)
            except ValueError:
                parsed = None
        event_type = parsed.get("eventType") if isinstance(parsed, dict) else None
        lower = {k.lower(): v for k, v in headers.items()}
        return cls(
            received_at=str(item.get("receivedAt")),
            method=str(item.get("method")),
            path=str(item.get("path")),
            query=dict(item.get("query") or {}),
            headers=headers,
            body=body,
            json=parsed,
            event_type=event_type if isinstance(event_type, str) else None,
            dispatch_id=lower.get("x-apify-webhook-dispatch-id"),
            webhook_id=lower.get("x-apify-webhook"),
        )

    def header(self, name: str) -> str | None:
        """A header's value, looked up case-insensitively."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)


@dataclass(frozen=True)
class Delivery:
    """The requests one dispatch made to an inbox: its first attempt and any retries. A request
    without a dispatch id (posted by the test itself) is a delivery of its own."""

    dispatch_id: str | None
    webhook_id: str | None
    event_type: str | None
    attempts: tuple[Message, ...]

    @property
    def json(self) -> Any:
        """The parsed body (the same for every attempt of a dispatch)."""
        return self.attempts[-1].json

    @property
    def body(self) -> str:
        return self.attempts[-1].body


def _deliveries(messages: Iterable[Message]) -> list[Delivery]:
    groups: dict[str, list[Message]] = {}
    order: list[str | Message] = []
    for message in messages:
        if message.dispatch_id is None:
            order.append(message)
        else:
            if message.dispatch_id not in groups:
                groups[message.dispatch_id] = []
                order.append(message.dispatch_id)
            groups[message.dispatch_id].append(message)
    result = []
    for entry in order:
        attempts = tuple(groups[entry]) if isinstance(entry, str) else (entry,)
        first = attempts[0]
        result.append(Delivery(first.dispatch_id, first.webhook_id, first.event_type, attempts))
    return result


class Inbox:
    """A named inbox of the emulator's built-in receiver, private to one test.

    Use `url` as a webhook's `requestUrl`; read what arrived with `messages()` (every request) or
    `deliveries()` (grouped per dispatch); choose the answers with `set_behaviour()`."""

    def __init__(self, http: _Http, name: str, full_name: str) -> None:
        self._http = http
        #: The name the test chose.
        self.name = name
        #: The emulator-wide name: the test's namespace, then the name.
        self.full_name = full_name
        self._path = "/_mock/inboxes/" + full_name
        #: The address to give a webhook as `requestUrl`.
        self.url = http.base_url + self._path

    def __repr__(self) -> str:
        return f"<Inbox {self.name!r} {self.url}>"

    def messages(self) -> list[Message]:
        """Every request received so far, oldest first (retries included)."""
        items: list[Any] = []
        while True:
            page = self._http.call("GET", self._path, params={"offset": len(items), "limit": _PAGE})["data"]
            items += page["items"]
            if not page["items"] or len(items) >= page["total"]:
                return [Message.from_item(item) for item in items]

    def deliveries(self, event_type: str | None = None) -> list[Delivery]:
        """What arrived, one entry per dispatch (its retries are its `attempts`), optionally only
        those of one event type."""
        found = _deliveries(self.messages())
        return [d for d in found if event_type is None or d.event_type == event_type]

    def set_behaviour(
        self,
        status: int | None = None,
        *,
        delay_ms: int | None = None,
        body: str | None = None,
        script: Sequence[int | Mapping[str, Any]] = (),
    ) -> Record:
        """Set how the inbox answers (PUT /_mock/inboxes/{name}); what is left out takes the
        default (200, no delay, empty body). `script` lists answers used first, in order: an int is
        one answer with that status, a mapping may give `status`, `times`, `delay_ms` (or
        `delayMs`) and `body`. E.g. `script=[500, 500]` fails twice, then answers `status`."""
        behaviour: Record = {}
        if status is not None:
            behaviour["status"] = status
        if delay_ms is not None:
            behaviour["delayMs"] = delay_ms
        if body is not None:
            behaviour["body"] = body
        if script:
            behaviour["script"] = [_answer(step) for step in script]
        data: Record = self._http.call("PUT", self._path, behaviour)["data"]["behaviour"]
        return data

    def behaviour(self) -> Record:
        """How the inbox answers now (a script shrinks as it is used)."""
        data: Record = self._http.call("GET", self._path, params={"limit": 1})["data"]["behaviour"]
        return data

    def clear(self) -> None:
        """Forget the inbox's messages and behaviour."""
        self._http.call("DELETE", self._path)


def _answer(step: int | Mapping[str, Any]) -> Record:
    if isinstance(step, int):
        return {"status": step}
    renamed = {"delay_ms": "delayMs"}
    return {renamed.get(key, key): value for key, value in step.items()}


# --- per-test settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Per-test settings, from `@pytest.mark.mock_apify(...)`; every one is honoured per user, so
    the session emulator serves them without a restart."""

    #: Username of the test's user (default: generated). Usernames are emulator-wide, so a test
    #: that names one gets the user back from a pool once the previous holder's test has ended.
    username: str | None = None
    #: Actor names to create before the test; the records are in `mock_apify.actors[name]`.
    actors: tuple[str, ...] = ()
    #: Tasks to create before the test: Actor name → task names (the Actor is created if needed).
    tasks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: A seed file (the server's format) to load with `load_seed`; relative to the test file.
    seed_file: Path | None = None
    #: The seed of the test's Faker (default: derived from the test's node id, so runs repeat).
    faker_seed: int | None = None

    FIELDS = ("username", "actors", "tasks", "seed_file", "faker_seed")

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any], base_dir: Path | None = None) -> Settings:
        unknown = sorted(set(kwargs) - set(cls.FIELDS))
        if unknown:
            raise TypeError(f"unknown mock_apify setting(s) {unknown}; known: {list(cls.FIELDS)}")
        username = kwargs.get("username")
        if username is not None and not isinstance(username, str):
            raise TypeError(f"mock_apify username must be a string, not {username!r}")
        actors = kwargs.get("actors") or ()
        if isinstance(actors, str):
            actors = (actors,)
        tasks_arg = kwargs.get("tasks") or {}
        if not isinstance(tasks_arg, Mapping):
            raise TypeError("mock_apify tasks must map an Actor name to a list of task names")
        tasks = {
            str(actor): ((names,) if isinstance(names, str) else tuple(str(n) for n in names))
            for actor, names in tasks_arg.items()
        }
        seed_file = kwargs.get("seed_file")
        if seed_file is not None:
            seed_file = Path(seed_file)
            if base_dir is not None and not seed_file.is_absolute():
                seed_file = base_dir / seed_file
        faker_seed = kwargs.get("faker_seed")
        if faker_seed is not None and not isinstance(faker_seed, int):
            raise TypeError(f"mock_apify faker_seed must be an int, not {faker_seed!r}")
        return cls(username, tuple(str(a) for a in actors), tasks, seed_file, faker_seed)


# --- users of the session emulator --------------------------------------------------------------


class UserPool:
    """Creates the users of one emulator: a fresh one per test (one POST /_mock/users), or, for a
    test that names its user, that user again once an earlier test with the name has ended (the
    emulator never deletes users, and usernames are unique)."""

    def __init__(self, base_url: str) -> None:
        self._http = _Http(base_url)
        self._free: dict[str, Record] = {}

    def take(self, username: str | None = None) -> Record:
        if username is not None and username in self._free:
            return self._free.pop(username)
        try:
            user: Record = self._http.call("POST", "/_mock/users", {"username": username})["data"]
        except MockApifyError as error:
            if error.type == "username-already-taken":
                raise MockApifyError(
                    error.method,
                    error.path,
                    error.status,
                    error.type,
                    f"the username {username!r} is taken by a user still in use, or created outside "
                    "the mock_apify fixture (usernames are emulator-wide)",
                ) from None
            raise
        return user

    def give_back(self, user: Record, named: bool) -> None:
        """Keep a named user for the next test that asks for the name (its records are gone)."""
        if named:
            self._free[str(user["username"])] = user


# --- the handle ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    """What `MockApify.seed()` created."""

    actors: list[Record]
    tasks: list[Record]


class MockApify:
    """One test's view of an emulator: its own user and token, its own inboxes.

    Nothing here touches another user's records, so tests beside it (on the same emulator) neither
    see nor disturb what this one does. Records are plain dicts, as the API returns them."""

    def __init__(self, url: str, user: Mapping[str, Any], *, faker_seed: int = 0) -> None:
        self._http = _Http(url)
        #: Base URL of the emulator, e.g. `http://127.0.0.1:53211` (give it as `api_url`/`baseUrl`).
        self.url = self._http.base_url
        #: The test user's id, username and API token.
        self.user_id: str = str(user["id"])
        self.username: str = str(user["username"])
        self.token: str = str(user["token"])
        #: Actors created through this handle (marker, `add_actor`, `seed`, `load_seed`) by name.
        self.actors: dict[str, Record] = {}
        self._namespace = uuid.uuid4().hex[:12]
        self._inboxes: dict[str, Inbox] = {}
        self._faker_seed = faker_seed
        self._faker: Faker | None = None
        #: What the latest `settle()` answered: `settled`, `pending`, `clock`.
        self.last_settle: Record | None = None

    def __repr__(self) -> str:
        return f"<MockApify user {self.username!r} ({self.user_id}) on {self.url}>"

    @property
    def aio(self) -> AsyncMockApify:
        """The same handle with coroutine methods, for async tests whose own loop must keep running
        while the handle waits (e.g. a receiver served by the test's loop)."""
        return AsyncMockApify(self, in_loop=False)

    # --- raw API ------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        auth: bool = True,
    ) -> Any:
        """Call the emulator as the test's user (`auth=False`: without a token) and return the
        decoded JSON answer (None for an empty one); an error status raises `MockApifyError`."""
        return self._http.call(method, path, body, token=self.token if auth else None, params=params)

    def _data(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        return self.request(method, path, body, params=params or None)["data"]

    def _all(self, path: str) -> list[Record]:
        items: list[Record] = []
        while True:
            page = self._data("GET", path, offset=len(items), limit=_PAGE)
            items += page["items"]
            if not page["items"] or len(items) >= page["total"]:
                return items

    # --- official clients ---------------------------------------------------------------------

    def client(self) -> ApifyClient:
        """The official sync Python client for the test's user (`max_retries=0`: failures show at
        once). Needs the `client` extra: `pip install 'mock-apify[client]'`."""
        _require_client()
        from apify_client import ApifyClient

        return ApifyClient(self.token, api_url=self.url, api_public_url=self.url, max_retries=0)

    def async_client(self) -> ApifyClientAsync:
        """The official async Python client for the test's user, with `max_retries=0`."""
        _require_client()
        from apify_client import ApifyClientAsync

        return ApifyClientAsync(self.token, api_url=self.url, api_public_url=self.url, max_retries=0)

    # --- inboxes ------------------------------------------------------------------------------

    def inbox(self, name: str = "inbox") -> Inbox:
        """The test's inbox called `name` (the same object on every call). Its real name on the
        emulator is namespaced, so tests never share an inbox; it is emptied after the test."""
        if not _INBOX_NAME.match(name):
            raise ValueError(f"inbox names use letters, digits and . _ ~ - (1 to 100), not {name!r}")
        if name not in self._inboxes:
            self._inboxes[name] = Inbox(self._http, name, f"{self._namespace}-{name}")
        return self._inboxes[name]

    def _as_inbox(self, inbox: Inbox | AsyncInbox | str) -> Inbox:
        if isinstance(inbox, AsyncInbox):
            return inbox.sync
        return self.inbox(inbox) if isinstance(inbox, str) else inbox

    # --- clock --------------------------------------------------------------------------------

    def clock(self) -> Record:
        """The emulator's clock: `{"mode", "now", "epochSeconds"}`. It is shared by every test on
        the emulator and only moves forward, so compare times, not absolute values."""
        data: Record = self._data("GET", "/_mock/clock")
        return data

    def advance(self, seconds: float) -> str:
        """Move the virtual clock forward (deliveries that fall due go out in the background) and
        return the new time (ISO 8601). The session emulator's clock is virtual by default."""
        data = self._data("POST", "/_mock/clock/advance", {"seconds": seconds})
        return str(data["now"])

    def settle(self, *, max_rounds: int | None = None, timeout_secs: float | None = None) -> bool:
        """Run every pending dispatch to its end (jumping the virtual clock to each retry) and say
        whether everything settled; the emulator gives up after `timeout_secs` real seconds
        (default 30) or `max_rounds` rounds (default 1000)."""
        body = {"maxRounds": max_rounds, "timeoutSecs": timeout_secs}
        limit = (timeout_secs or 30.0) + _HTTP_TIMEOUT
        answer = self._http.call(
            "POST",
            "/_mock/dispatches/settle",
            {k: v for k, v in body.items() if v is not None},
            timeout=limit,
        )
        self.last_settle = answer["data"]
        return bool(answer["data"]["settled"])

    # --- records ------------------------------------------------------------------------------

    def add_actor(self, name: str | None = None, **fields: Any) -> Record:
        """Create an Actor (POST /v2/actors) with the API's field names, e.g.
        `add_actor("my-actor", title="My Actor")`; without a name the emulator makes one up."""
        body = fields | ({"name": name} if name is not None else {})
        actor: Record = self._data("POST", "/v2/actors", body)
        self.actors[actor["name"]] = actor
        return actor

    def add_task(self, actor: Record | str, name: str | None = None, **fields: Any) -> Record:
        """Create a task of `actor` (a record, an Actor id, or the name of an Actor created through
        this handle) through POST /v2/actor-tasks, e.g. `add_task(actor, "daily", input={...})`."""
        body = fields | {"actId": self._actor_id(actor)} | ({"name": name} if name is not None else {})
        task: Record = self._data("POST", "/v2/actor-tasks", body)
        return task

    def add_webhook(
        self,
        request_url: Inbox | AsyncInbox | str,
        event_types: str | Sequence[str],
        *,
        actor: Record | str | None = None,
        task: Record | str | None = None,
        **fields: Any,
    ) -> Record:
        """Create a webhook (POST /v2/webhooks) calling `request_url` (an inbox or a URL) on
        `event_types`, for `actor` or `task` (or give `condition=` yourself); other fields use the
        API's names, e.g. `add_webhook(inbox, "ACTOR.RUN.FAILED", actor=a, doNotRetry=True)`."""
        url = request_url if isinstance(request_url, str) else request_url.url
        body: Record = {"eventTypes": [event_types] if isinstance(event_types, str) else list(event_types)}
        body["requestUrl"] = url
        if actor is not None:
            body["condition"] = {"actorId": self._actor_id(actor)}
        elif task is not None:
            body["condition"] = {"actorTaskId": task if isinstance(task, str) else task["id"]}
        webhook: Record = self._data("POST", "/v2/webhooks", body | fields)
        return webhook

    def set_behaviour(
        self,
        actor: Record | str,
        *,
        run: Mapping[str, Any] | None = None,
        build: Mapping[str, Any] | None = None,
    ) -> None:
        """How the Actor's next runs and builds end, e.g. `set_behaviour(a, run={"status": "FAILED",
        "exitCode": 1, "afterSecs": 30, "items": [...]})`; `{"status": None}` keeps them RUNNING
        until `move_run`. Without a behaviour they succeed at once."""
        body = {key: dict(value) for key, value in (("run", run), ("build", build)) if value is not None}
        self._data("PUT", f"/_mock/actors/{self._actor_id(actor)}/behaviour", body)

    def start_run(
        self,
        actor: Record | str | None = None,
        *,
        task: Record | str | None = None,
        run_input: Any = None,
        webhooks: Sequence[Mapping[str, Any]] = (),
    ) -> Record:
        """Start a run of `actor` (or of `task`) as a client would, with ad-hoc `webhooks` (API field
        names: eventTypes, requestUrl — an Inbox's `.url`, ...); returns the run, still READY."""
        path = (
            f"/v2/actor-tasks/{_id(task)}/runs"
            if task is not None
            else f"/v2/actors/{self._actor_id(actor or '')}/runs"
        )
        params = (
            {"webhooks": base64.b64encode(_json.dumps(list(webhooks)).encode()).decode()} if webhooks else {}
        )
        run: Record = self._data("POST", path, run_input, **params)
        return run

    def move_run(
        self,
        run: Record | str,
        status: str,
        *,
        exit_code: int | None = None,
        status_message: str | None = None,
        items: Sequence[Any] = (),
    ) -> Record:
        """Move a run to `status` now (firing its event), adding `items` to its dataset."""
        body: Record = {"status": status}
        if exit_code is not None:
            body["exitCode"] = exit_code
        if status_message is not None:
            body["statusMessage"] = status_message
        if items:
            body["items"] = list(items)
        moved: Record = self.request("POST", f"/_mock/actor-runs/{_id(run)}/status", body, auth=False)["data"]
        return moved

    def run(self, run: Record | str) -> Record:
        """A run as GET /v2/actor-runs/{id} shows it now."""
        data: Record = self._data("GET", f"/v2/actor-runs/{_id(run)}")
        return data

    def test_webhook(self, webhook: Record | str) -> Record:
        """Fire a TEST event (POST /v2/webhooks/{id}/test); returns the new dispatch."""
        dispatch: Record = self._data("POST", f"/v2/webhooks/{_id(webhook)}/test")
        return dispatch

    def webhooks(self) -> list[Record]:
        """All the test user's webhooks (list items, as GET /v2/webhooks shows them)."""
        return self._all("/v2/webhooks")

    def dispatches(self, webhook: Record | str | None = None) -> list[Record]:
        """All the test user's dispatches, or those of one webhook, oldest first."""
        if webhook is None:
            return self._all("/v2/webhook-dispatches")
        return self._all(f"/v2/webhooks/{_id(webhook)}/dispatches")

    def dispatch(self, dispatch: Record | str) -> Record:
        """One dispatch as it is now, with its `status` and `calls`."""
        data: Record = self._data("GET", f"/v2/webhook-dispatches/{_id(dispatch)}")
        return data

    def _actor_id(self, actor: Record | str) -> str:
        if isinstance(actor, str):
            return str(self.actors[actor]["id"]) if actor in self.actors else actor
        return str(actor["id"])

    # --- seeding ------------------------------------------------------------------------------

    @property
    def faker(self) -> Faker:
        """This test's Faker, seeded (marker `faker_seed`, else from the test's node id), so the
        same test makes the same names on every run."""
        if self._faker is None:
            from faker import Faker

            fake = Faker()
            fake.seed_instance(self._faker_seed)
            self._faker = fake
        return self._faker

    def seed(self, actors: int = 2, tasks_per_actor: int = 1) -> Seeded:
        """Create `actors` Actors with realistic names, titles and descriptions, each with
        `tasks_per_actor` tasks, from the test's seeded Faker (so runs repeat)."""
        fake = self.faker
        made_actors: list[Record] = []
        made_tasks: list[Record] = []
        for _ in range(actors):
            name = self._fresh_name("-".join(fake.words(2)).lower() + "-scraper", self.actors)
            actor = self.add_actor(name, title=fake.catch_phrase(), description=fake.sentence())
            made_actors.append(actor)
            task_names: set[str] = set()
            for _ in range(tasks_per_actor):
                task_name = self._fresh_name(f"{name}-{fake.word().lower()}", task_names)
                task_names.add(task_name)
                made_tasks.append(self.add_task(actor, task_name, input={"query": fake.word()}))
        return Seeded(made_actors, made_tasks)

    @staticmethod
    def _fresh_name(name: str, taken: Iterable[str]) -> str:
        used = set(taken)
        candidate, n = name, 2
        while candidate in used:
            candidate, n = f"{name}-{n}", n + 1
        return candidate

    def load_seed(self, path: str | Path, *, username: str | None = None) -> dict[str, str]:
        """Load a seed file (the server's format, see docs/server.md) into the test's user.

        Records are created fresh through the API, so the file's ids never clash with another
        test's: the answer maps each id of the file (users, Actors, tasks, webhooks) to the id of
        the record made from it, and webhook conditions are rewritten to the new ids. A
        `requestUrl` pointing at an emulator inbox (`…/_mock/inboxes/NAME`) is pointed at this
        test's inbox `NAME`. Every user of the file is loaded, or only the one with `username`
        (or id) `username`."""
        source = Path(path)
        try:
            data = _json.loads(source.read_bytes())
        except (OSError, ValueError) as error:
            raise SeedFileError(f"{source}: cannot read seed file: {error}") from None
        entries = list(enumerate(data.get("users", []) if isinstance(data, dict) else []))
        if username is not None:
            entries = [(i, e) for i, e in entries if username in (e.get("username"), e.get("id"))]
            if not entries:
                raise SeedFileError(f"{source}: no user {username!r} in the file")
        ids: dict[str, str] = {}
        for index, entry in entries:
            where = f"{source}: users[{index}]"
            try:
                self._load_user(entry, ids, where)
            except MockApifyError as error:
                raise SeedFileError(f"{where}: {error.type}: {error.message}") from None
        return ids

    def _load_user(self, entry: Mapping[str, Any], ids: dict[str, str], where: str) -> None:
        if "id" in entry:
            ids[str(entry["id"])] = self.user_id
        for index, actor_entry in enumerate(entry.get("actors", [])):
            fields = {k: v for k, v in actor_entry.items() if k not in ("id", "tasks", "behaviour")}
            try:
                actor = self.add_actor(**fields)
                if "behaviour" in actor_entry:
                    self.request("PUT", f"/_mock/actors/{actor['id']}/behaviour", actor_entry["behaviour"])
                if "id" in actor_entry:
                    ids[str(actor_entry["id"])] = actor["id"]
                for task_index, task_entry in enumerate(actor_entry.get("tasks", [])):
                    fields = {k: v for k, v in task_entry.items() if k != "id"}
                    try:
                        task = self.add_task(actor, **fields)
                    except MockApifyError as error:
                        raise SeedFileError(
                            f"{where}.actors[{index}].tasks[{task_index}]: {error.type}: {error.message}"
                        ) from None
                    if "id" in task_entry:
                        ids[str(task_entry["id"])] = task["id"]
            except MockApifyError as error:
                raise SeedFileError(f"{where}.actors[{index}]: {error.type}: {error.message}") from None
        for index, webhook_entry in enumerate(entry.get("webhooks", [])):
            fields = {k: v for k, v in webhook_entry.items() if k != "id"}
            condition = fields.get("condition")
            if isinstance(condition, dict):
                fields["condition"] = {
                    k: ids.get(v, v) if isinstance(v, str) else v for k, v in condition.items()
                }
            fields["requestUrl"] = self._local_inbox_url(fields.get("requestUrl"))
            try:
                webhook: Record = self._data("POST", "/v2/webhooks", fields)
            except MockApifyError as error:
                raise SeedFileError(f"{where}.webhooks[{index}]: {error.type}: {error.message}") from None
            if "id" in webhook_entry:
                ids[str(webhook_entry["id"])] = webhook["id"]

    def _local_inbox_url(self, url: Any) -> Any:
        if not isinstance(url, str):
            return url
        parts = urllib.parse.urlsplit(url)
        match = _INBOX_PATH.match(parts.path)
        if parts.hostname in ("127.0.0.1", "localhost", "::1") and match:
            name = urllib.parse.unquote(match.group(1))
            if _INBOX_NAME.match(name):
                return self.inbox(name).url
        return url

    # --- assertions ---------------------------------------------------------------------------

    def assert_delivered(
        self,
        inbox: Inbox | AsyncInbox | str,
        event_type: str | None = None,
        *,
        times: int = 1,
        payload: Any = None,
    ) -> list[Delivery]:
        """Settle, then assert that exactly `times` deliveries of `event_type` (any type when None)
        reached `inbox` (an Inbox or an inbox name), and return them.

        A delivery is one dispatch: its retries count once (see `Delivery.attempts`). With
        `payload`, only deliveries whose JSON body *contains* it count: every key it gives must be
        in the body with a matching value, recursively in objects; lists must have the same length,
        their items matched the same way; other values must be equal. So a whole body also works.
        On failure the message shows what did arrive and, when too few did, why: the webhooks
        pointing at the inbox, the event types they listen to, and their dispatches."""
        __tracebackhide__ = True
        box = self._as_inbox(inbox)
        self.settle()
        found = box.deliveries(event_type)
        matching = found if payload is None else [d for d in found if _mismatch(payload, d.json) is None]
        if len(matching) == times:
            return matching
        what = f"of {event_type!r}" if event_type else "(any event type)"
        lines = [
            f"expected {_count(times, 'delivery')} {what} to inbox {box.name!r}"
            + (" with the given payload" if payload is not None else "")
            + f", got {len(matching)}."
        ]
        if payload is not None and found:
            lines.append(f"{_count(len(found), 'delivery')} {what} arrived but did not match the payload:")
            lines += [f"  - {_describe(d)}: {_mismatch(payload, d.json)}" for d in found if d not in matching]
        lines += self._arrived_lines(box)
        if len(found) < times:
            lines += self._why_not(box, event_type)
        raise AssertionError("\n".join(lines))

    def assert_not_delivered(self, inbox: Inbox | AsyncInbox | str, event_type: str | None = None) -> None:
        """Settle, then assert that nothing of `event_type` (nothing at all when None) reached the
        inbox; the failure message lists what did, and which webhook sent it."""
        __tracebackhide__ = True
        box = self._as_inbox(inbox)
        self.settle()
        found = box.deliveries(event_type)
        if not found:
            return
        what = f"of {event_type!r}" if event_type else "at all"
        lines = [f"expected no delivery {what} to inbox {box.name!r}, got {len(found)}:"]
        hooks = {hook["id"]: hook for hook in self.webhooks()}
        for delivery in found:
            line = f"  - {_describe(delivery)}"
            hook = hooks.get(delivery.webhook_id or "")
            if hook is not None:
                line += (
                    f"; sent by webhook {hook['id']} listening to {hook['eventTypes']} ({_condition(hook)})"
                )
            lines.append(line)
        raise AssertionError("\n".join(lines))

    def _arrived_lines(self, box: Inbox) -> list[str]:
        everything = box.deliveries()
        if not everything:
            return [f"Inbox {box.name!r} received nothing."]
        attempts = sum(len(d.attempts) for d in everything)
        counted = f"{_count(len(everything), 'delivery')} ({_count(attempts, 'request')})"
        lines = [f"Inbox {box.name!r} received {counted}:"]
        lines += [f"  - {_describe(d)}" for d in everything[:20]]
        if len(everything) > 20:
            lines.append(f"  … and {len(everything) - 20} more")
        return lines

    def _why_not(self, box: Inbox, event_type: str | None) -> list[str]:
        lines: list[str] = []
        if self.last_settle is not None and not self.last_settle.get("settled"):
            lines.append(
                f"settle() did not finish: {self.last_settle.get('pending')} dispatch(es) still pending "
                "(a receiver slower than the time limit?)."
            )
        hooks = self.webhooks()
        pointing = [h for h in hooks if _same_url(str(h.get("requestUrl")), box.url)]
        if not pointing:
            lines.append(f"Why: no webhook points at this inbox ({box.url}).")
            others = [
                f"  - webhook {h['id']} → {h.get('requestUrl')} {h.get('eventTypes')}" for h in hooks[:10]
            ]
            if others:
                lines.append("The test user's webhooks point elsewhere:")
                lines += others
            else:
                lines.append("The test user has no webhooks at all.")
            return lines
        dispatches = self.dispatches()
        lines.append("Why: the webhooks pointing at this inbox:")
        for hook in pointing:
            events = list(hook.get("eventTypes") or [])
            if event_type == "TEST":
                head = f"webhook {hook['id']} listens to {events} (TEST comes only from its /test endpoint)"
            elif event_type is not None and event_type not in events:
                head = f"webhook {hook['id']} listens to {events}, not {event_type!r}"
            else:
                head = f"webhook {hook['id']} listens to {events}"
            if hook.get("isEnabled") is False:
                head += " (disabled)"
            lines.append(f"  - {head}; {_condition(hook)}")
            own = [d for d in dispatches if d.get("webhookId") == hook["id"]]
            if not own:
                lines.append("      no dispatch was made to it")
                continue
            if event_type is not None and not any(d.get("eventType") == event_type for d in own):
                lines.append(f"      no {event_type!r} dispatch was made to it")
            lines += [f"      dispatch {_dispatch_line(d)}" for d in own[-10:]]
        return lines

    # --- teardown -----------------------------------------------------------------------------

    def close(self) -> None:
        """Delete the test user's records and empty its inboxes (the plugin calls this after the
        test); the user and token stay valid."""
        self._http.call("POST", "/_mock/reset", {"userId": self.user_id})
        for box in self._inboxes.values():
            box.clear()
        self._inboxes.clear()
        self.actors.clear()


def _require_client() -> None:
    try:
        import apify_client  # noqa: F401
    except ImportError as error:
        raise MissingClientError(
            "the official Python client is not installed; install the `client` extra: "
            "pip install 'mock-apify[client]' (or apify-client>=3.0)"
        ) from error


def _id(record: Record | str) -> str:
    return record if isinstance(record, str) else str(record["id"])


def _count(n: int, noun: str) -> str:
    plural = "deliveries" if noun == "delivery" else noun + "s"
    return f"{n} {noun if n == 1 else plural}"


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _EXCERPT else flat[: _EXCERPT - 1] + "…"


def _describe(delivery: Delivery) -> str:
    kind = delivery.event_type or "(no eventType)"
    source = f"dispatch {delivery.dispatch_id}" if delivery.dispatch_id else "not from a dispatch"
    attempts = len(delivery.attempts)
    body = _excerpt(delivery.body) if delivery.body else "(empty body)"
    return f"{kind}, {source}, {_count(attempts, 'attempt')}, body {body}"


def _condition(hook: Mapping[str, Any]) -> str:
    condition = hook.get("condition") or {}
    return "condition " + ", ".join(f"{k}={v}" for k, v in condition.items()) if condition else "no condition"


def _dispatch_line(dispatch: Mapping[str, Any]) -> str:
    calls = dispatch.get("calls") or []
    line = f"{dispatch.get('id')} {dispatch.get('eventType')} {dispatch.get('status')}, {_count(len(calls), 'call')}"
    if calls:
        last = calls[-1]
        if last.get("errorMessage"):
            answer = f"error {_excerpt(str(last['errorMessage']))}"
        else:
            answer = f"{last.get('responseStatus')} {_excerpt(str(last.get('responseBody') or ''))!r}"
        line += f", last call: {answer} at {last.get('startedAt')}"
    return line


def _same_url(a: str, b: str) -> bool:
    return a.split("?", 1)[0].split("#", 1)[0].rstrip("/") == b.rstrip("/")


def _mismatch(expected: Any, actual: Any, where: str = "body") -> str | None:
    """Where `actual` fails to contain `expected` (see `assert_delivered`), or None."""
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return f"{where} is {_short(actual)}, expected an object"
        for key, value in expected.items():
            if key not in actual:
                return f"{where}.{key} is missing"
            if problem := _mismatch(value, actual[key], f"{where}.{key}"):
                return problem
        return None
    if isinstance(expected, list | tuple):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{where} is {_short(actual)}, expected {_short(expected)}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            if problem := _mismatch(want, got, f"{where}[{index}]"):
                return problem
        return None
    if expected == actual and isinstance(actual, bool) == isinstance(expected, bool):
        return None
    return f"{where} is {_short(actual)}, expected {_short(expected)}"


def _short(value: Any) -> str:
    return _excerpt(_json.dumps(value, default=str))


# --- the async view -----------------------------------------------------------------------------


class AsyncInbox:
    """An `Inbox` whose calls are coroutines (each runs in a worker thread)."""

    def __init__(self, inbox: Inbox) -> None:
        self.sync = inbox
        self.name = inbox.name
        self.full_name = inbox.full_name
        self.url = inbox.url

    def __repr__(self) -> str:
        return f"<AsyncInbox {self.name!r} {self.url}>"

    async def messages(self) -> list[Message]:
        return await asyncio.to_thread(self.sync.messages)

    async def deliveries(self, event_type: str | None = None) -> list[Delivery]:
        return await asyncio.to_thread(self.sync.deliveries, event_type)

    async def set_behaviour(
        self,
        status: int | None = None,
        *,
        delay_ms: int | None = None,
        body: str | None = None,
        script: Sequence[int | Mapping[str, Any]] = (),
    ) -> Record:
        return await asyncio.to_thread(
            lambda: self.sync.set_behaviour(status, delay_ms=delay_ms, body=body, script=script)
        )

    async def behaviour(self) -> Record:
        return await asyncio.to_thread(self.sync.behaviour)

    async def clear(self) -> None:
        await asyncio.to_thread(self.sync.clear)


class AsyncMockApify:
    """The handle's methods as coroutines: each blocking call runs in `asyncio.to_thread`, so the
    test's loop keeps serving while it waits. `mock_apify_app` yields one (its emulator runs on the
    test's loop); `mock_apify.aio` gives one for the session emulator. Same names and arguments as
    `MockApify`; `sync` is the wrapped handle."""

    def __init__(self, handle: MockApify, *, in_loop: bool) -> None:
        self.sync = handle
        self._in_loop = in_loop
        self.url = handle.url
        self.user_id = handle.user_id
        self.username = handle.username
        self.token = handle.token
        self.actors = handle.actors

    def __repr__(self) -> str:
        return f"<AsyncMockApify user {self.username!r} ({self.user_id}) on {self.url}>"

    @property
    def faker(self) -> Faker:
        return self.sync.faker

    @property
    def last_settle(self) -> Record | None:
        return self.sync.last_settle

    def client(self) -> ApifyClient:
        """The sync official client; refused when the emulator runs on the test's own loop, where
        a blocking client would wait forever for a loop it blocks."""
        if self._in_loop:
            raise RuntimeError(
                "mock_apify_app serves the emulator on this test's event loop: a blocking client would "
                "deadlock it. Use async_client(), or the `mock_apify` fixture for sync clients."
            )
        return self.sync.client()

    def async_client(self) -> ApifyClientAsync:
        return self.sync.async_client()

    def inbox(self, name: str = "inbox") -> AsyncInbox:
        return AsyncInbox(self.sync.inbox(name))

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        auth: bool = True,
    ) -> Any:
        return await asyncio.to_thread(
            lambda: self.sync.request(method, path, body, params=params, auth=auth)
        )

    async def clock(self) -> Record:
        return await asyncio.to_thread(self.sync.clock)

    async def advance(self, seconds: float) -> str:
        return await asyncio.to_thread(self.sync.advance, seconds)

    async def settle(self, *, max_rounds: int | None = None, timeout_secs: float | None = None) -> bool:
        return await asyncio.to_thread(
            lambda: self.sync.settle(max_rounds=max_rounds, timeout_secs=timeout_secs)
        )

    async def add_actor(self, name: str | None = None, **fields: Any) -> Record:
        return await asyncio.to_thread(lambda: self.sync.add_actor(name, **fields))

    async def add_task(self, actor: Record | str, name: str | None = None, **fields: Any) -> Record:
        return await asyncio.to_thread(lambda: self.sync.add_task(actor, name, **fields))

    async def add_webhook(
        self,
        request_url: Inbox | AsyncInbox | str,
        event_types: str | Sequence[str],
        *,
        actor: Record | str | None = None,
        task: Record | str | None = None,
        **fields: Any,
    ) -> Record:
        return await asyncio.to_thread(
            lambda: self.sync.add_webhook(request_url, event_types, actor=actor, task=task, **fields)
        )

    async def set_behaviour(
        self,
        actor: Record | str,
        *,
        run: Mapping[str, Any] | None = None,
        build: Mapping[str, Any] | None = None,
    ) -> None:
        await asyncio.to_thread(lambda: self.sync.set_behaviour(actor, run=run, build=build))

    async def start_run(
        self,
        actor: Record | str | None = None,
        *,
        task: Record | str | None = None,
        run_input: Any = None,
        webhooks: Sequence[Mapping[str, Any]] = (),
    ) -> Record:
        return await asyncio.to_thread(
            lambda: self.sync.start_run(actor, task=task, run_input=run_input, webhooks=webhooks)
        )

    async def move_run(
        self,
        run: Record | str,
        status: str,
        *,
        exit_code: int | None = None,
        status_message: str | None = None,
        items: Sequence[Any] = (),
    ) -> Record:
        return await asyncio.to_thread(
            lambda: self.sync.move_run(
                run, status, exit_code=exit_code, status_message=status_message, items=items
            )
        )

    async def run(self, run: Record | str) -> Record:
        return await asyncio.to_thread(self.sync.run, run)

    async def test_webhook(self, webhook: Record | str) -> Record:
        return await asyncio.to_thread(self.sync.test_webhook, webhook)

    async def webhooks(self) -> list[Record]:
        return await asyncio.to_thread(self.sync.webhooks)

    async def dispatches(self, webhook: Record | str | None = None) -> list[Record]:
        return await asyncio.to_thread(self.sync.dispatches, webhook)

    async def dispatch(self, dispatch: Record | str) -> Record:
        return await asyncio.to_thread(self.sync.dispatch, dispatch)

    async def seed(self, actors: int = 2, tasks_per_actor: int = 1) -> Seeded:
        return await asyncio.to_thread(self.sync.seed, actors, tasks_per_actor)

    async def load_seed(self, path: str | Path, *, username: str | None = None) -> dict[str, str]:
        return await asyncio.to_thread(lambda: self.sync.load_seed(path, username=username))

    async def assert_delivered(
        self,
        inbox: Inbox | AsyncInbox | str,
        event_type: str | None = None,
        *,
        times: int = 1,
        payload: Any = None,
    ) -> list[Delivery]:
        __tracebackhide__ = True
        return await asyncio.to_thread(
            lambda: self.sync.assert_delivered(inbox, event_type, times=times, payload=payload)
        )

    async def assert_not_delivered(
        self, inbox: Inbox | AsyncInbox | str, event_type: str | None = None
    ) -> None:
        __tracebackhide__ = True
        await asyncio.to_thread(self.sync.assert_not_delivered, inbox, event_type)
