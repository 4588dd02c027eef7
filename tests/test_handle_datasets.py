"""The handle's dataset operations: make a dataset, push items (to it or to a run), read them all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apify_client import ApifyClient

from mock_apify import Config
from mock_apify.config import MEMORY_DB
from mock_apify.testing import AsyncMockApify, MockApify, MockApifyError
from mock_apify.threaded import ThreadedEmulator


def test_add_push_and_read_by_record_id_and_name(mock_apify: MockApify) -> None:
    dataset = mock_apify.add_dataset("results", [{"n": 0}])
    mock_apify.push_items(dataset, {"n": 1})
    mock_apify.push_items("results", [{"n": n} for n in range(2, 1005)])
    items = [{"n": n} for n in range(1005)]
    assert mock_apify.dataset_items(dataset) == mock_apify.dataset_items("results") == items
    assert mock_apify.add_dataset("results")["itemCount"] == 1005
    client = ApifyClient(mock_apify.token, api_url=mock_apify.url, max_retries=0)
    assert client.dataset(dataset["id"]).list_items().total == 1005


def test_push_to_a_runs_dataset(mock_apify: MockApify) -> None:
    actor = mock_apify.add_actor()
    mock_apify.set_behaviour(actor, run={"status": None})
    run = mock_apify.start_run(actor)
    mock_apify.push_items(run["id"], [{"from": "test"}])
    mock_apify.move_run(run, "SUCCEEDED", items=[{"from": "run"}])
    assert mock_apify.dataset_items(run) == [{"from": "test"}, {"from": "run"}]


async def test_the_async_view(mock_apify_app: AsyncMockApify) -> None:
    dataset = await mock_apify_app.add_dataset(items=[{"a": 1}])
    await mock_apify_app.push_items(dataset["id"], {"a": 2})
    assert dataset["name"] is None and await mock_apify_app.dataset_items(dataset) == [{"a": 1}, {"a": 2}]


SEED = {
    "users": [
        {
            "id": "SeedUserWithData1",
            "username": "seeded",
            "token": "seeded_token_0001",
            "datasets": [
                {"id": "SeedDatasetNamed1", "name": "results", "items": [{"n": 1}, {"n": 2}]},
                {"id": "SeedDatasetAnon01"},
            ],
        }
    ]
}


def test_seed_files_hold_datasets(mock_apify: MockApify, tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(SEED))
    ids = mock_apify.load_seed(path)
    assert mock_apify.dataset_items(ids["SeedDatasetNamed1"]) == [{"n": 1}, {"n": 2}]
    assert mock_apify.dataset_items("results") == [{"n": 1}, {"n": 2}]
    assert mock_apify.dataset_items(ids["SeedDatasetAnon01"]) == []
    bad = {"users": [{"datasets": [{"name": "x", "items": [1]}, {"name": "Bad Name"}]}]}
    with pytest.raises(MockApifyError) as refused:
        mock_apify.request("POST", f"/_mock/users/{mock_apify.user_id}/seed", bad, auth=False)
    assert refused.value.status == 400 and "datasets[0]" in refused.value.message


def test_a_seed_file_gives_datasets_their_ids_at_start_up(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(SEED))
    with ThreadedEmulator(Config(db=MEMORY_DB, port=0, seed=path)) as running:
        client = ApifyClient("seeded_token_0001", api_url=running.url, max_retries=0)
        assert client.dataset("SeedDatasetNamed1").list_items().items == [{"n": 1}, {"n": 2}]
        assert client.dataset("results").get() is not None


def test_the_default_seed_holds_a_dataset(mock_apify: MockApify) -> None:
    default = Path(__file__).resolve().parents[1] / "fixtures" / "default.json"
    ids = mock_apify.load_seed(default, username="mock-user")
    [source] = json.loads(default.read_text())["users"][0]["datasets"]
    assert mock_apify.dataset_items(ids[source["id"]]) == source["items"]
    assert mock_apify.dataset_items(source["name"]) == source["items"]
