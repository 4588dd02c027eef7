"""`mock-apify check-receiver` (issue 15, section 4): the scripted series against a receiver on
127.0.0.1 that behaves well, and against one that breaks each expectation in turn; the verdicts,
the exit status, `--json` and `--against`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from http_receivers import Answer, Behaviour, Receiver, Request, serving, well_behaved
from mock_apify.commands import main as command
from mock_apify.commands.steps import LARGE_STATUS_MESSAGE

DEFAULT_FIELDS = {"userId", "createdAt", "eventType", "eventData", "resource"}


def check(capsys: pytest.CaptureFixture[str], receiver: Receiver, *args: str) -> tuple[int, dict[str, Any]]:
    """check-receiver on a temporary emulator, with --json: the exit status and the document."""
    status = command("check-receiver", [receiver.url, "--temporary", "--json", *args])
    return status, json.loads(capsys.readouterr().out)


def failed(document: dict[str, Any]) -> set[str]:
    return {name for name, found in document["expectations"].items() if found["verdict"] != "ok"}


def test_a_receiver_that_behaves_well_passes_every_expectation(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(well_behaved) as receiver:
        status, document = check(capsys, receiver)
    assert status == 0 and document["ok"], document
    assert set(document["expectations"]) == {
        "answers-2xx",
        "no-redirect",
        "same-answer-to-duplicate",
        "tolerates-unknown-fields",
        "tolerates-test-event",
        "tolerates-any-order",
    }
    sent = [request.json["eventType"] for request in receiver.received]
    assert set(sent) >= {"ACTOR.RUN.RESURRECTED", "ACTOR.BUILD.TIMED_OUT", "TEST"}
    assert len(receiver.received) == len(document["deliveries"]) == 19
    ids = [request.dispatch_id for request in receiver.received]
    assert len(ids) - len(set(ids)) == 1, "one duplicate: the same dispatch ID twice"
    [twice] = [i for i in set(ids) if ids.count(i) == 2]
    first, again = [r for r in receiver.received if r.dispatch_id == twice]
    assert first.body == again.body
    order = [r.json["eventType"] for r in receiver.received if "out of order" in _sent(document, r)]
    assert order == ["ACTOR.RUN.SUCCEEDED", "ACTOR.RUN.CREATED"]
    large = [
        r
        for r in receiver.received
        if r.json.get("resource", {}).get("statusMessage") == LARGE_STATUS_MESSAGE
    ]
    assert len(large) == 1 and len(large[0].body) > 256 * 1024
    unknown = [r for r in receiver.received if "mockApifyUnknownField" in r.json]
    assert len(unknown) == 1 and unknown[0].headers["X-Mock-Apify-Unknown"] == "1"


def _sent(document: dict[str, Any], request: Request) -> str:
    """What the table says was sent for the request's dispatch."""
    return next(d["sent"] for d in document["deliveries"] if d["dispatchId"] == request.dispatch_id)


def test_the_table_states_each_delivery_and_the_verdicts(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(well_behaved) as receiver:
        status = command("check-receiver", [receiver.url, "--temporary"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "#   sent" in out and "duplicate (sent again)" in out and "ACTOR.RUN.CREATED, out of order" in out
    assert "all 6 expectations hold" in out


def _error_for(event_type: str) -> Behaviour:
    return lambda receiver, request: (500 if request.json.get("eventType") == event_type else 200, 0.0, None)


def _slow_for(event_type: str) -> Behaviour:
    return lambda receiver, request: (200, 2.0 if request.json.get("eventType") == event_type else 0.0, None)


def _different_on_duplicate(receiver: Receiver, request: Request) -> Answer:
    return (202 if receiver.seen(request) else 200), 0.0, None


def _strict_fields(receiver: Receiver, request: Request) -> Answer:
    strict = set(request.json) <= DEFAULT_FIELDS and not request.headers.get("X-Mock-Apify-Unknown")
    return (200 if strict else 400), 0.0, None


def _rejects_test(receiver: Receiver, request: Request) -> Answer:
    return (400 if request.json["eventType"] == "TEST" else 200), 0.0, None


def _redirects(receiver: Receiver, request: Request) -> Answer:
    return 301, 0.0, receiver.url.replace("/hook", "/hook/")


def _refuses_start_after_end(receiver: Receiver, request: Request) -> Answer:
    """A state machine that refuses a run's start once it has seen the run end."""
    payload = request.json
    run_id = (payload.get("eventData") or {}).get("actorRunId")
    ended = {
        r.json["eventData"]["actorRunId"]
        for r in receiver.received[:-1]
        if r.json["eventType"] == "ACTOR.RUN.SUCCEEDED"
    }
    starts = payload["eventType"] == "ACTOR.RUN.CREATED"
    return (409 if starts and run_id in ended else 200), 0.0, None


def _small_bodies_only(receiver: Receiver, request: Request) -> Answer:
    return (413 if len(request.body) > 100 * 1024 else 200), 0.0, None


@pytest.mark.parametrize(
    ("behaviour", "broken", "problem"),
    [
        (
            _error_for("ACTOR.BUILD.FAILED"),
            {"answers-2xx"},
            "ACTOR.BUILD.FAILED, default payload: answered 500",
        ),
        (_slow_for("ACTOR.RUN.TIMED_OUT"), {"answers-2xx"}, "no answer: Request timed out after 0.5 s"),
        (
            _different_on_duplicate,
            {"same-answer-to-duplicate"},
            "answered the duplicate 202, the first send 200",
        ),
        (_strict_fields, {"answers-2xx", "tolerates-unknown-fields"}, "custom template: answered 400"),
        (_rejects_test, {"answers-2xx", "tolerates-test-event"}, "TEST, default payload: answered 400"),
        (
            _redirects,
            {
                "no-redirect",
                "same-answer-to-duplicate",
                "tolerates-unknown-fields",
                "tolerates-test-event",
                "tolerates-any-order",
            },
            "answered 301, a redirect",
        ),
        (
            _refuses_start_after_end,
            {"answers-2xx", "tolerates-any-order"},
            "ACTOR.RUN.CREATED, out of order: answered 409",
        ),
        (_small_bodies_only, {"answers-2xx"}, "large resource: answered 413"),
    ],
    ids=["non-2xx", "slow", "duplicate", "unknown-fields", "test-event", "redirect", "order", "large"],
)
def test_a_receiver_that_breaks_an_expectation_fails_it(
    behaviour: Behaviour, broken: set[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving(behaviour) as receiver:
        status, document = check(capsys, receiver, "--timeout", "0.5")
    assert status == 1 and not document["ok"]
    assert failed(document) == broken, document["expectations"]
    verdicts = " | ".join(found["verdict"] for found in document["expectations"].values())
    assert problem in verdicts


def _acts_on_every_request(receiver: Receiver, request: Request) -> Answer:
    """Not idempotent: a duplicate does the work again."""
    receiver.effects.append(request.dispatch_id)
    return 200, 0.0, None


def test_against_reads_the_receivers_side_effects_back(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(well_behaved) as receiver:
        status, document = check(capsys, receiver, "--against", receiver.url.replace("/hook", "/effects"))
    assert status == 0, document["against"]
    assert document["expectations"]["side-effects-once"]["verdict"] == "ok"
    assert len(document["against"]["recorded"]) == 18 and document["against"]["repeated"] == []
    with serving(_acts_on_every_request) as receiver:
        status, document = check(capsys, receiver, "--against", receiver.url.replace("/hook", "/effects"))
    assert status == 1
    [twice] = document["against"]["repeated"]
    assert document["expectations"]["side-effects-once"]["verdict"] == f"acted on {twice} 2 times"


def test_against_a_history_that_cannot_be_read_fails(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(well_behaved) as receiver:
        status, document = check(capsys, receiver, "--against", "http://127.0.0.1:9/effects")
    assert status == 1
    assert document["expectations"]["side-effects-once"]["verdict"].startswith(
        "cannot read http://127.0.0.1:9/effects"
    )
