"""What one test costs its user: a realistic webhook test on the pytest plugin against the same
test written with pytest-httpserver and canned answers, each run by pytest in a subprocess.

Three generated files of N counted tests each (plus one uncounted warm-up test, which starts the
session's emulator or server): `empty` (a test that does nothing, pytest's own cost per test),
`mock` (an Actor, an inbox, a webhook created with the official client, its TEST event fired and
`assert_delivered`), `canned` (the same client calls answered by pytest-httpserver with the bytes
mock-apify answered, captured first, and the delivery posted to the receiver by hand and checked).
A conftest hook times the counted tests, from the first one's start to the last one's end; the
result is (span - empty span) / N, per file. Files alternate (A B C A B C) so drift hits all."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

CONFTEST = """
import os, time

_marks = {}


def pytest_runtest_logstart(nodeid, location):
    if "warm" not in nodeid:
        _marks.setdefault("first", time.perf_counter())


def pytest_runtest_logfinish(nodeid, location):
    if "warm" not in nodeid:
        _marks["last"] = time.perf_counter()


def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["PER_TEST_OUT"], "w") as out:
        out.write(repr((_marks["last"] - _marks["first"], exitstatus)))
"""

EMPTY = """
import pytest


def test_warm():
    pass


@pytest.mark.parametrize("n", range(COUNT))
def test_empty(n):
    pass
"""

MOCK = """
import pytest


def webhook_test(mock_apify):
    actor = mock_apify.add_actor("crawler")
    inbox = mock_apify.inbox("hooks")
    client = mock_apify.client()
    webhook = client.webhooks().create(
        event_types=["ACTOR.RUN.SUCCEEDED"], actor_id=actor["id"], request_url=inbox.url
    )
    client.webhook(webhook.id).test()
    mock_apify.assert_delivered(inbox, "TEST")


def test_warm(mock_apify):
    webhook_test(mock_apify)


@pytest.mark.parametrize("n", range(COUNT))
def test_mock(mock_apify, n):
    webhook_test(mock_apify)
"""

CANNED = """
import json
import urllib.request

import pytest
from apify_client import ApifyClient

WEBHOOK = json.loads(WEBHOOK_JSON)
DISPATCH = json.loads(DISPATCH_JSON)
PAYLOAD = {"userId": "u", "createdAt": "2026-01-01T00:00:00.000Z", "eventType": "TEST", "eventData": {}, "resource": {}}


def webhook_test(httpserver):
    webhook_id = WEBHOOK["data"]["id"]
    httpserver.expect_request("/v2/webhooks", method="POST").respond_with_json(WEBHOOK, status=201)
    httpserver.expect_request(f"/v2/webhooks/{webhook_id}/test", method="POST").respond_with_json(
        DISPATCH, status=201
    )
    httpserver.expect_request("/hooks", method="POST").respond_with_data("ok")
    client = ApifyClient("token", api_url=httpserver.url_for("/").rstrip("/"), max_retries=0)
    webhook = client.webhooks().create(
        event_types=["ACTOR.RUN.SUCCEEDED"], actor_id="actor", request_url=httpserver.url_for("/hooks")
    )
    client.webhook(webhook.id).test()
    request = urllib.request.Request(httpserver.url_for("/hooks"), data=json.dumps(PAYLOAD).encode(), method="POST")
    urllib.request.urlopen(request, timeout=10).read()
    [hook] = [entry for entry, _ in httpserver.log if entry.path == "/hooks"]
    assert json.loads(hook.get_data())["eventType"] == "TEST"
    httpserver.clear()


def test_warm(httpserver):
    webhook_test(httpserver)


@pytest.mark.parametrize("n", range(COUNT))
def test_canned(httpserver, n):
    webhook_test(httpserver)
"""


def _canned_bodies(call: Callable[..., Any], url: str) -> tuple[str, str]:
    """The create and test answers of a real emulator (`call` is run.call), for the canned test
    to replay: so they pass the client's validation as mock-apify's do."""
    actor = call(url + "/v2/actors", "POST", {"name": "canned"})["data"]
    hook = {"eventTypes": ["ACTOR.RUN.SUCCEEDED"], "condition": {"actorId": actor["id"]}}
    webhook = call(url + "/v2/webhooks", "POST", hook | {"requestUrl": "http://127.0.0.1:9/"})
    dispatch = call(url + f"/v2/webhooks/{webhook['data']['id']}/test", "POST")
    return json.dumps(webhook), json.dumps(dispatch)


def _write(folder: Path, count: int, webhook: str, dispatch: str) -> dict[str, Path]:
    folder.joinpath("conftest.py").write_text(CONFTEST)
    sources = {
        "empty": EMPTY,
        "mock": MOCK,
        "canned": CANNED.replace("WEBHOOK_JSON", repr(webhook)).replace("DISPATCH_JSON", repr(dispatch)),
    }
    files = {}
    for name, source in sources.items():
        files[name] = folder / f"test_{name}.py"
        files[name].write_text(textwrap.dedent(source).replace("COUNT", str(count)))
    return files


def _span(path: Path) -> float:
    """Seconds the counted tests of one file took, run by pytest in a fresh process."""
    out = path.with_suffix(".out")
    env = {**os.environ, "PER_TEST_OUT": str(out)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", str(path)]
    done = subprocess.run(command, cwd=path.parent, env=env, capture_output=True, text=True, timeout=600)
    span, status = eval(out.read_text())  # written by our own conftest: a (float, int) tuple
    if status != 0:
        raise RuntimeError(f"{path.name} failed:\n{done.stdout[-3000:]}")
    return float(span)


def measure(call: Callable[..., Any], url: str, count: int, rounds: int) -> dict[str, float]:
    """Milliseconds per test, above pytest's own cost, of the `mock` and `canned` tests."""
    webhook, dispatch = _canned_bodies(call, url)
    with tempfile.TemporaryDirectory(prefix="mock-apify-per-test-") as tmp:
        files = _write(Path(tmp), count, webhook, dispatch)
        spans: dict[str, list[float]] = {name: [] for name in files}
        for _ in range(rounds):
            for name, path in files.items():
                spans[name].append(_span(path))
    empty = statistics.median(spans["empty"])
    return {name: (statistics.median(spans[name]) - empty) / count * 1000 for name in ("mock", "canned")}
