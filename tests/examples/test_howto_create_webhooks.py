"""How to test code that creates webhooks.

Hand the code under test `mock_apify.client()`: the official client, logged in as a user of this
test alone, with retries off. Then look at what the code created with `mock_apify.webhooks()`.
"""

from __future__ import annotations

import pytest
from apify_client import ApifyClient

from mock_apify.testing import MockApify

# --- the code under test (in a real project it lives in your package) ------------------------

FAILURE_EVENTS = ["ACTOR.RUN.FAILED", "ACTOR.RUN.TIMED_OUT", "ACTOR.RUN.ABORTED"]


def ensure_failure_alerts(client: ApifyClient, actor_id: str, alert_url: str) -> str:
    """Make the Actor's failed runs call `alert_url`; safe to call on every deploy."""
    webhook = client.webhooks().create(
        event_types=FAILURE_EVENTS,  # type: ignore[arg-type]
        request_url=alert_url,
        actor_id=actor_id,
        payload_template='{"actor": {{eventData.actorId}}, "status": {{resource.status}}}',
        idempotency_key=f"failure-alerts-{actor_id}",
    )
    return webhook.id


# --- the tests ---------------------------------------------------------------------------------


def test_creates_a_webhook_for_the_actors_failures(mock_apify: MockApify) -> None:
    actor = mock_apify.add_actor("crawler")

    webhook_id = ensure_failure_alerts(mock_apify.client(), actor["id"], "https://alerts.example.com/apify")

    [webhook] = mock_apify.webhooks()
    assert webhook["id"] == webhook_id
    assert webhook["eventTypes"] == FAILURE_EVENTS
    assert webhook["condition"] == {"actorId": actor["id"]}
    assert webhook["requestUrl"] == "https://alerts.example.com/apify"


def test_calling_it_again_creates_nothing_new(mock_apify: MockApify) -> None:
    actor = mock_apify.add_actor("crawler")
    client = mock_apify.client()

    first = ensure_failure_alerts(client, actor["id"], "https://alerts.example.com/apify")
    second = ensure_failure_alerts(client, actor["id"], "https://alerts.example.com/apify")

    assert first == second
    assert len(mock_apify.webhooks()) == 1


# The marker creates Actors (and tasks) before the test; they are in `mock_apify.actors`.
@pytest.mark.mock_apify(actors=["crawler", "indexer"])
def test_one_webhook_per_actor(mock_apify: MockApify) -> None:
    client = mock_apify.client()
    for actor in mock_apify.actors.values():
        ensure_failure_alerts(client, actor["id"], "https://alerts.example.com/apify")

    conditions = sorted(webhook["condition"]["actorId"] for webhook in mock_apify.webhooks())
    assert conditions == sorted(actor["id"] for actor in mock_apify.actors.values())


def test_the_alert_reaches_its_url(mock_apify: MockApify) -> None:
    # Point the code at an inbox of the emulator's receiver, fire the webhook's TEST event, and
    # assert on what arrived (assert_delivered settles the delivery first).
    inbox = mock_apify.inbox("alerts")
    actor = mock_apify.add_actor("crawler")
    webhook_id = ensure_failure_alerts(mock_apify.client(), actor["id"], inbox.url)

    mock_apify.test_webhook(webhook_id)

    [delivery] = mock_apify.assert_delivered(inbox)
    assert set(delivery.json) == {"actor", "status"}
