"""`mock-apify trigger` (issue 15, section 3): a run or build that really ends as the event says,
its webhook delivered through the emulator's own dispatcher to a receiver on 127.0.0.1, each
attempt printed; the run and its dataset are then read back from the same emulator."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from http_receivers import Receiver, Request, serving, well_behaved
from mock_apify import Config
from mock_apify.commands import firing
from mock_apify.commands import main as command
from mock_apify.config import MEMORY_DB
from mock_apify.threaded import ThreadedEmulator
from processes import get

# The status the event's resource shows when the event fires.
RESOURCE_STATUS = {
    "CREATED": "READY",
    "SUCCEEDED": "SUCCEEDED",
    "FAILED": "FAILED",
    "TIMED_OUT": "TIMED-OUT",
    "ABORTED": "ABORTED",
    "RESURRECTED": "RUNNING",
    "TEST": "SUCCEEDED",
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[ThreadedEmulator]:
    """A running emulator whose retries come after milliseconds, not minutes."""
    config = Config(db=MEMORY_DB, port=0, no_seed=True, retry_base_delay=0.001)
    with ThreadedEmulator(config) as running:
        yield running


def trigger(emulator: ThreadedEmulator, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = command("trigger", [*args, "--url", emulator.url])
    return status, capsys.readouterr().out


def test_a_run_succeeds_its_webhook_arrives_and_the_run_reads_back(
    emulator: ThreadedEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    items = [{"url": "https://example.com", "price": 9.5}, {"url": "https://example.org"}]
    (tmp_path / "items.json").write_text(json.dumps(items))
    with serving(well_behaved) as receiver:
        status, out = trigger(
            emulator,
            capsys,
            "ACTOR.RUN.SUCCEEDED",
            "--to",
            receiver.url,
            "--items",
            str(tmp_path / "items.json"),
        )
    assert status == 0, out
    assert f"emulator: {emulator.url} (running)" in out
    assert "attempt 1 at " in out and ": 200 in " in out and '"thanks"' in out
    [request] = receiver.received
    payload = request.json
    assert list(payload) == ["userId", "createdAt", "eventType", "eventData", "resource"]
    assert payload["eventType"] == "ACTOR.RUN.SUCCEEDED"
    assert request.headers["X-Apify-Request-Origin"] == "WEBHOOK"
    run_id = payload["eventData"]["actorRunId"]
    assert f"curl {emulator.url}/v2/actor-runs/{run_id}/dataset/items" in out
    assert get(f"{emulator.url}/v2/actor-runs/{run_id}")["data"]["status"] == "SUCCEEDED"
    assert get(f"{emulator.url}/v2/actor-runs/{run_id}/dataset/items") == items
    dispatch = get(f"{emulator.url}/v2/webhook-dispatches/{request.dispatch_id}")["data"]
    assert dispatch["status"] == "SUCCEEDED" and dispatch["eventType"] == "ACTOR.RUN.SUCCEEDED"
    assert get(f"{emulator.url}/v2/webhooks")["data"]["total"] == 0, "its webhook goes once delivered"


@pytest.mark.parametrize("event", firing.EVENT_TYPES)
def test_every_event_type_really_happens(
    event: str, emulator: ThreadedEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving(well_behaved) as receiver:
        status, out = trigger(emulator, capsys, event, "--to", receiver.url, "--actor", "every-event")
    assert status == 0, out
    [request] = receiver.received
    payload = request.json
    assert payload["eventType"] == event
    assert payload["resource"]["status"] == RESOURCE_STATUS[event.rsplit(".", 1)[-1]]
    kind = "actorBuildId" if event.startswith("ACTOR.BUILD.") else "actorRunId"
    job_id = payload["eventData"][kind]
    assert job_id == payload["resource"]["id"] and job_id in out
    behaviour = get(f"{emulator.url}/_mock/actors/{payload['eventData']['actorId']}/behaviour")["data"]
    assert "run" not in behaviour and "build" not in behaviour, "the Actor's behaviour is left as it was"


def _fails_twice(receiver: Receiver, request: Request) -> tuple[int, float, None]:
    return (500 if len(receiver.received) <= 2 else 200), 0.0, None


def test_failed_attempts_are_retried_on_the_schedule_and_each_is_printed(
    emulator: ThreadedEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving(_fails_twice) as receiver:
        status, out = trigger(emulator, capsys, "ACTOR.RUN.FAILED", "--to", receiver.url)
    assert status == 0, out
    assert [line.split(": ", 1)[1].split(" in ")[0] for line in out.splitlines() if "attempt " in line] == [
        "500",
        "500",
        "200",
    ]
    assert "retried on Apify's schedule" in out
    assert len({request.dispatch_id for request in receiver.received}) == 1


def test_a_redirect_is_a_failed_attempt_and_the_exit_status_says_so(
    emulator: ThreadedEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving(lambda receiver, request: (302, 0.0, "http://127.0.0.1:9/elsewhere")) as receiver:
        status, out = trigger(
            emulator, capsys, "ACTOR.BUILD.SUCCEEDED", "--to", receiver.url, "--do-not-retry"
        )
    assert status == 1, out
    assert "attempt 1 at " in out and ": 302 in " in out and "FAILED after 1 call" in out
    assert len(receiver.received) == 1, "the redirect is not followed"


def test_templates_are_the_webhooks(emulator: ThreadedEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    with serving(well_behaved) as receiver:
        status, out = trigger(
            emulator,
            capsys,
            "ACTOR.RUN.ABORTED",
            "--to",
            receiver.url,
            "--payload-template",
            '{"event": {{eventType}}, "text": "run {{resource.status}}"}',
            "--headers-template",
            '{"X-Key": "secret"}',
            "--interpolate-strings",
        )
    assert status == 0, out
    [request] = receiver.received
    assert request.json == {"event": "ACTOR.RUN.ABORTED", "text": "run ABORTED"}
    assert request.headers["X-Key"] == "secret"


def test_bad_items_stop_before_anything_is_made(
    emulator: ThreadedEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "items.json").write_text('["not an object"]')
    status = command(
        "trigger",
        ["ACTOR.RUN.SUCCEEDED", "--to", "http://127.0.0.1:9/", "--items", str(tmp_path / "items.json")],
    )
    assert status == 2
    assert "not a JSON array of objects" in capsys.readouterr().err


def test_a_temporary_emulator_when_asked_as_a_real_process() -> None:
    with serving(well_behaved) as receiver:
        result = subprocess.run(
            [sys.executable, "-m", "mock_apify", "trigger", "TEST", "--to", receiver.url, "--temporary"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    assert "(temporary, in memory: it stops when this command ends)" in result.stdout
    [request] = receiver.received
    assert request.json["eventType"] == "TEST" and request.json["resource"]["status"] == "SUCCEEDED"


def test_something_else_at_the_url_is_not_taken_for_an_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(well_behaved) as receiver:
        status = command(
            "trigger", ["TEST", "--to", receiver.url, "--url", receiver.url.removesuffix("/hook")]
        )
    assert status == 2
    assert "answers, but not as mock-apify (is --url right?)" in capsys.readouterr().err
    assert receiver.received == []


def test_an_address_taken_but_not_answering_is_said_so(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{taken.getsockname()[1]}"
        status = command("trigger", ["TEST", "--to", "http://127.0.0.1:9/", "--url", url])
    assert status == 2
    assert "address already in use (use --temporary for a free port)" in capsys.readouterr().err
