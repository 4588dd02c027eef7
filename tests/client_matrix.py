"""One scenario of official-client calls, written once as data and run by three interpreters:
the Python client (sync and async) and the JavaScript client (Node.js), so that each method a
receiver reaches for is exercised by every client the same way.

A step is a chain of calls from the client (`client.actor(id).last_run().get()` is
`[("actor", ["$actor"]), ("last_run", [], {}), ("get",)]`), in Python's spelling and in
JavaScript's, since the two clients name and pass arguments differently. Only the last call of
a chain is awaited. `"$name"` in an argument is a value an earlier step saved (`save`), or one of
the scenario's inputs; `"$name.field"` reads a field of it. Each step's result is normalized to
JSON (models by their API field names, bytes as text) and, where `pick` says, narrowed to a field
path. The summary, {step name: value}, is what the tests assert on, the same way for every client."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
from dataclasses import dataclass, field
from typing import Any

Chain = list[tuple[Any, ...]]


@dataclass(frozen=True)
class Step:
    name: str
    py: Chain
    js: Chain
    #: A path into the normalized result (keys and indexes), per client where they differ.
    pick: list[Any] = field(default_factory=list)
    pick_js: list[Any] | None = None
    save: bool = False


def _run(actor: str, **kwargs: Any) -> Chain:
    return [("actor", [actor]), ("call", [], kwargs)]


def _on_store(name: str, py: tuple[Any, ...], js: tuple[Any, ...], **fields: Any) -> Step:
    """One call on the run's default key-value store, in both spellings."""
    return Step(
        name,
        [("run", ["$run.id"]), ("key_value_store", []), py],
        [("run", ["$run.id"]), ("keyValueStore", []), js],
        **fields,
    )


def _store_steps() -> list[Step]:
    """A run's OUTPUT and INPUT, records written, checked and deleted, keys, a named store, and a
    task's input."""
    note = {"key": "note", "value": "hello", "contentType": "text/plain"}
    return [
        _on_store("output", ("get_record", ["OUTPUT"]), ("getRecord", ["OUTPUT"]), pick=["value"]),
        _on_store("input", ("get_record", ["INPUT"]), ("getRecord", ["INPUT"]), pick=["value"]),
        _on_store(
            "set_record",
            ("set_record", ["note", "hello"], {"content_type": "text/plain"}),
            ("setRecord", [note]),
        ),
        _on_store("note", ("get_record", ["note"]), ("getRecord", ["note"]), pick=["value"]),
        _on_store("note_exists", ("record_exists", ["note"]), ("recordExists", ["note"])),
        _on_store("delete_record", ("delete_record", ["note"]), ("deleteRecord", ["note"])),
        _on_store("note_gone", ("record_exists", ["note"]), ("recordExists", ["note"])),
        _on_store(
            "keys", ("list_keys", [], {"limit": 1}), ("listKeys", [{"limit": 1}]), pick=["items", 0, "key"]
        ),
        Step(
            "last_output",
            [
                ("actor", ["$actor"]),
                ("last_run", [], {}),
                ("key_value_store", []),
                ("get_record", ["OUTPUT"]),
            ],
            [("actor", ["$actor"]), ("lastRun", [{}]), ("keyValueStore", []), ("getRecord", ["OUTPUT"])],
            pick=["value"],
        ),
        Step(
            "store",
            [("key_value_stores", []), ("get_or_create", [], {"name": "matrix-store"})],
            [("keyValueStores", []), ("getOrCreate", ["matrix-store"])],
            save=True,
        ),
        Step(
            "renamed",
            [("key_value_store", ["$store.id"]), ("update", [], {"name": "matrix-renamed"})],
            [("keyValueStore", ["$store.id"]), ("update", [{"name": "matrix-renamed"}])],
            pick=["name"],
        ),
        Step(
            "store_deleted",
            [("key_value_store", ["$store.id"]), ("delete", [])],
            [("keyValueStore", ["$store.id"]), ("delete", [])],
        ),
        Step(
            "store_gone",
            [("key_value_store", ["$store.id"]), ("get", [])],
            [("keyValueStore", ["$store.id"]), ("get", [])],
        ),
        Step(
            "task_input",
            [("task", ["$task"]), ("update_input", [], {"task_input": {"depth": 2}})],
            [("task", ["$task"]), ("updateInput", [{"depth": 2}])],
        ),
        Step(
            "task_input_read",
            [("task", ["$task"]), ("get_input", [])],
            [("task", ["$task"]), ("getInput", [])],
        ),
    ]


def _on_dataset(name: str, py: tuple[Any, ...], js: tuple[Any, ...], **fields: Any) -> Step:
    """One call on the named dataset the scenario makes, in both spellings."""
    return Step(name, [("dataset", ["$dataset.id"]), py], [("dataset", ["$dataset.id"]), js], **fields)


def _dataset_steps() -> list[Step]:
    """A run's dataset object, the last run's items, and a named dataset pushed to, read with
    item parameters, renamed and deleted."""
    pushed = [{"n": n, "#hidden": n} for n in range(1005)]
    return [
        Step(
            "run_dataset",
            [("run", ["$run.id"]), ("dataset", []), ("get", [])],
            [("run", ["$run.id"]), ("dataset", []), ("get", [])],
            pick=["itemCount"],
        ),
        Step(
            "last_items",
            [("actor", ["$actor"]), ("last_run", [], {}), ("dataset", []), ("list_items", [])],
            [("actor", ["$actor"]), ("lastRun", [{}]), ("dataset", []), ("listItems", [])],
            pick=["items"],
        ),
        Step(
            "dataset",
            [("datasets", []), ("get_or_create", [], {"name": "matrix-data"})],
            [("datasets", []), ("getOrCreate", ["matrix-data"])],
            save=True,
        ),
        _on_dataset("push", ("push_items", [pushed]), ("pushItems", [pushed])),
        _on_dataset("dataset_total", ("list_items", []), ("listItems", []), pick=["total"]),
        _on_dataset(
            "picked",
            ("list_items", [], {"clean": True, "desc": True, "limit": 2, "fields": ["n"]}),
            ("listItems", [{"clean": True, "desc": True, "limit": 2, "fields": ["n"]}]),
            pick=["items"],
        ),
        _on_dataset("clean_count", ("get", []), ("get", []), pick=["cleanItemCount"]),
        _on_dataset(
            "dataset_renamed",
            ("update", [], {"name": "matrix-data-2"}),
            ("update", [{"name": "matrix-data-2"}]),
            pick=["name"],
        ),
        _on_dataset("dataset_deleted", ("delete", []), ("delete", [])),
        _on_dataset("dataset_gone", ("get", []), ("get", [])),
    ]


STEPS: list[Step] = [
    Step("me", [("user", []), ("get", [])], [("user", []), ("get", [])], pick=["username"]),
    Step(
        "run",
        _run("$actor", run_input={"url": "https://example.com"}),
        [("actor", ["$actor"]), ("call", [{"url": "https://example.com"}])],
        save=True,
    ),
    Step(
        "last_run",
        [("actor", ["$actor"]), ("last_run", [], {}), ("get", [])],
        [("actor", ["$actor"]), ("lastRun", [{}]), ("get", [])],
        pick=["id"],
    ),
    Step(
        "last_failed_run",
        [("actor", ["$actor"]), ("last_run", [], {"status": "FAILED"}), ("get", [])],
        [("actor", ["$actor"]), ("lastRun", [{"status": "FAILED"}]), ("get", [])],
    ),
    Step(
        "task_last_run",
        [("task", ["$task"]), ("last_run", [], {}), ("get", [])],
        [("task", ["$task"]), ("lastRun", [{}]), ("get", [])],
    ),
    Step(
        "items",
        [("run", ["$run.id"]), ("dataset", []), ("list_items", [])],
        [("run", ["$run.id"]), ("dataset", []), ("listItems", [])],
        pick=["items"],
    ),
    *_store_steps(),
    *_dataset_steps(),
    # Runs, builds and Actors (issue 12, items 3 and 5).
    Step(
        "succeeded_runs",
        [("runs", []), ("list", [], {"status": "SUCCEEDED"})],
        [("runs", []), ("list", [{"status": "SUCCEEDED"}])],
        pick=["total"],
    ),
    Step(
        "actor_runs",
        [("actor", ["$actor"]), ("runs", []), ("list", [], {"started_before": "2999-01-01T00:00:00Z"})],
        [("actor", ["$actor"]), ("runs", []), ("list", [{"startedBefore": "2999-01-01T00:00:00Z"}])],
        pick=["items", 0, "usageTotalUsd"],
    ),
    Step(
        "task_runs",
        [("task", ["$task"]), ("runs", []), ("list", [])],
        [("task", ["$task"]), ("runs", []), ("list", [])],
        pick=["total"],
    ),
    Step(
        "status_message",
        [
            ("run", ["$run.id"]),
            ("update", [], {"status_message": "Sent", "is_status_message_terminal": True}),
        ],
        [("run", ["$run.id"]), ("update", [{"statusMessage": "Sent", "isStatusMessageTerminal": True}])],
        pick=["statusMessage"],
    ),
    Step(
        "last_log",
        [("actor", ["$actor"]), ("last_run", [], {}), ("log", []), ("get", [])],
        [("actor", ["$actor"]), ("lastRun", [{}]), ("log", []), ("get", [])],
    ),
    Step(
        "last_abort",
        [("actor", ["$actor"]), ("last_run", [], {}), ("abort", [])],
        [("actor", ["$actor"]), ("lastRun", [{}]), ("abort", [])],
        pick=["status"],
    ),
    Step(
        "build",
        [("actor", ["$actor"]), ("build", [], {"version_number": "0.1", "wait_for_finish": 10})],
        [("actor", ["$actor"]), ("build", ["0.1", {"waitForFinish": 10}])],
        pick=["buildNumber"],
        save=True,
    ),
    Step(
        "build_get",
        [("build", ["$build.id"]), ("get", [])],
        [("build", ["$build.id"]), ("get", [])],
        pick=["actVersion", "versionNumber"],
    ),
    Step("builds", [("builds", []), ("list", [])], [("builds", []), ("list", [])], pick=["total"]),
    Step(
        "actor_builds",
        [("actor", ["$actor"]), ("builds", []), ("list", [], {"desc": True})],
        [("actor", ["$actor"]), ("builds", []), ("list", [{"desc": True}])],
        pick=["items", 0, "buildNumber"],
    ),
    Step(
        "build_log",
        [("build", ["$build.id"]), ("log", []), ("get", [])],
        [("build", ["$build.id"]), ("log", []), ("get", [])],
    ),
    Step(
        "actor_update",
        [("actor", ["$actor"]), ("update", [], {"title": "Matrix"})],
        [("actor", ["$actor"]), ("update", [{"title": "Matrix"}])],
        pick=["title"],
    ),
    Step(
        "task_update",
        [("task", ["$task"]), ("update", [], {"title": "Matrix task"})],
        [("task", ["$task"]), ("update", [{"title": "Matrix task"}])],
        pick=["title"],
    ),
    Step(
        "actor_stats",
        [("actor", ["$actor"]), ("get", [])],
        [("actor", ["$actor"]), ("get", [])],
        pick=["stats", "totalRuns"],
    ),
    Step("run_delete", [("run", ["$run.id"]), ("delete", [])], [("run", ["$run.id"]), ("delete", [])]),
    Step("deleted_run", [("run", ["$run.id"]), ("get", [])], [("run", ["$run.id"]), ("get", [])]),
]


def _resolve(value: Any, saved: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("$"):
        name, _, key = value[1:].partition(".")
        found = saved[name]
        return found[key] if key else found
    if isinstance(value, list):
        return [_resolve(item, saved) for item in value]
    if isinstance(value, dict):
        return {key: _resolve(item, saved) for key, item in value.items()}
    return value


def normalized(value: Any) -> Any:
    """JSON of a Python client's result: models by their API (camelCase) names, bytes as text."""
    if hasattr(value, "model_dump"):
        return value.model_dump(by_alias=True, mode="json")
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return normalized(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {key: normalized(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalized(item) for item in value]
    return json.loads(json.dumps(value, default=str))


def _picked(value: Any, path: list[Any]) -> Any:
    for key in path:
        if value is None:
            return None
        value = value[key]
    return value


def _call(target: Any, link: tuple[Any, ...], saved: dict[str, Any]) -> Any:
    name = link[0]
    args = link[1] if len(link) > 1 else []
    kwargs = link[2] if len(link) > 2 else {}
    return getattr(target, name)(*_resolve(args, saved), **_resolve(kwargs, saved))


def run_python(client: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    """The scenario through a sync `ApifyClient`."""
    saved, summary = dict(inputs), {}
    for step in STEPS:
        target = client
        for link in step.py:
            target = _call(target, link, saved)
        _record(step, normalized(target), saved, summary)
    return summary


async def run_python_async(client: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    """The scenario through an `ApifyClientAsync`: the same chains, the last call awaited."""
    saved, summary = dict(inputs), {}
    for step in STEPS:
        target = client
        for link in step.py:
            target = _call(target, link, saved)
        if inspect.isawaitable(target):
            target = await target
        _record(step, normalized(target), saved, summary)
    return summary


def _record(step: Step, value: Any, saved: dict[str, Any], summary: dict[str, Any]) -> None:
    if step.save:
        saved[step.name] = value
    summary[step.name] = _picked(value, step.pick)


def run_async(client: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(run_python_async(client, inputs))


def js_steps() -> str:
    """The steps in the JavaScript runner's input form."""
    return json.dumps(
        [
            {
                "name": step.name,
                "chain": [[link[0], *link[1:2]] for link in step.js],
                "pick": step.pick if step.pick_js is None else step.pick_js,
                "save": step.save,
            }
            for step in STEPS
        ]
    )


JS_RUNNER = r"""
const fs = require('fs');
const { ApifyClient } = require('apify-client');

function resolve(value, saved) {
    if (typeof value === 'string' && value.startsWith('$')) {
        const [name, key] = value.slice(1).split('.');
        return key ? saved[name][key] : saved[name];
    }
    if (Array.isArray(value)) return value.map((item) => resolve(item, saved));
    if (value && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, saved)]));
    }
    return value;
}

function normalized(value) {
    if (value === undefined) return null;
    if (Buffer.isBuffer(value)) return value.toString('utf-8');
    return JSON.parse(JSON.stringify(value));
}

async function main() {
    const [baseUrl, token, stepsFile, inputsJson] = process.argv.slice(2);
    const client = new ApifyClient({ baseUrl, token, maxRetries: 0 });
    const saved = JSON.parse(inputsJson);
    const summary = {};
    for (const step of JSON.parse(fs.readFileSync(stepsFile, 'utf-8'))) {
        let target = client;
        for (const [name, args] of step.chain) target = target[name](...resolve(args || [], saved));
        let value = normalized(await target);
        if (step.save) saved[step.name] = value;
        for (const key of step.pick) value = value === null ? null : value[key];
        summary[step.name] = value === undefined ? null : value;
    }
    console.log(JSON.stringify(summary));
}

main().catch((error) => { console.error(error); process.exit(1); });
"""
