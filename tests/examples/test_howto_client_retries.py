"""How to prove your client code retries on 429 (and on 5xx), as Apify's clients do.

Apify's API answers `429 rate-limit-exceeded` above a resource's rate (60 requests per second by
default, 400 for starting runs: https://docs.apify.com/api/v2, "Rate limiting"), and the official
clients retry 429 and 5xx answers with exponential back-off. `mock_apify.fault(...)` answers your
user's next requests with such a fault; `mock_apify.rate_limit()` enforces the real rate. The
handle's own `client()` never retries (`max_retries=0`): build the client your code builds, with
a short delay between retries so the test stays quick. For the JavaScript client, see
test_howto_js_client.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from apify_client import ApifyClient
from apify_client.errors import ApifyApiError

from mock_apify.testing import MockApify


def _client(mock_apify: MockApify, max_retries: int) -> ApifyClient:
    """The client as the code under test would build it, pointed at the emulator."""
    return ApifyClient(
        mock_apify.token,
        api_url=mock_apify.url,
        api_public_url=mock_apify.url,
        max_retries=max_retries,
        min_delay_between_retries=timedelta(milliseconds=10),
    )


def test_my_client_retries_on_429(mock_apify: MockApify) -> None:
    actor = mock_apify.add_actor("crawler")
    # The next two starts of a run get 429 with Retry-After: 2; the third starts it.
    mock_apify.fault("rate-limit", operation="act_runs_post", times=2, retryAfterSecs=2)

    run = _client(mock_apify, max_retries=3).actor(actor["id"]).start()

    assert run is not None and run.status in ("READY", "SUCCEEDED")
    assert len(mock_apify.request("GET", f"/v2/actors/{actor['id']}/runs")["data"]["items"]) == 1


def test_without_retries_the_429_reaches_my_code(mock_apify: MockApify) -> None:
    mock_apify.fault("rate-limit", method="GET", path="/v2/webhooks")
    with pytest.raises(ApifyApiError) as raised:
        _client(mock_apify, max_retries=0).webhooks().list()
    assert raised.value.status_code == 429 and raised.value.type == "rate-limit-exceeded"


@pytest.mark.mock_apify(faults=[{"fault": "http-503", "operation": "webhooks_get", "times": 3}])
def test_the_marker_sets_faults_for_the_whole_test(mock_apify: MockApify) -> None:
    assert _client(mock_apify, max_retries=4).webhooks().list().total == 0  # after three 503s


@pytest.mark.mock_apify(rate_limit=True)
def test_the_rate_limiter_holds_my_client_to_apifys_rate(mock_apify: MockApify) -> None:
    client = _client(mock_apify, max_retries=0)
    for _ in range(60):  # the virtual clock stands still: all in the same second
        client.webhooks().list()
    with pytest.raises(ApifyApiError) as raised:
        client.webhooks().list()
    assert raised.value.status_code == 429
    mock_apify.advance(1)  # the next second, a fresh allowance
    assert client.webhooks().list().total == 0
