"""The handle reads a run's records, sync and async, decoded as the official client decodes them."""

from __future__ import annotations

from mock_apify.testing import MockApify


def test_record_reads_what_the_behaviour_wrote(mock_apify: MockApify) -> None:
    actor = mock_apify.add_actor("writer")
    records = {"page.html": {"value": "<p>hi</p>", "contentType": "text/html"}}
    mock_apify.set_behaviour(actor, run={"output": {"total": 2}, "records": records})
    run = mock_apify.start_run(actor, run_input={"q": "x"})
    mock_apify.settle()
    assert mock_apify.record(run, "OUTPUT") == {
        "key": "OUTPUT",
        "value": {"total": 2},
        "contentType": "application/json; charset=utf-8",
    }
    assert mock_apify.record(run["id"], "INPUT")["value"] == {"q": "x"}  # type: ignore[index]
    assert mock_apify.record(run, "page.html")["value"] == "<p>hi</p>"  # type: ignore[index]
    assert mock_apify.record(run, "missing") is None


async def test_record_of_the_async_handle_gives_bytes_for_binary_types(mock_apify: MockApify) -> None:
    actor = mock_apify.add_actor("binary")
    records = {"raw": {"value": "\u00ff", "contentType": "application/octet-stream"}}
    mock_apify.set_behaviour(actor, run={"records": records})
    run = await mock_apify.aio.start_run(actor)
    await mock_apify.aio.settle()
    record = await mock_apify.aio.record(run, "raw")
    assert record == {"key": "raw", "value": "\u00ff".encode(), "contentType": "application/octet-stream"}
