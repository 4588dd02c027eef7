"""How reads grow with what one webhook or one dataset holds (issue 17, section 3).

- A webhook with 10^5 stored dispatches against one with 10: its dispatch page is a seek on
  (webhook_id, webhook_n) and its `lastDispatch` and total are columns of its own row, so neither
  should look at the dispatches. These are the paths `run.py --cases stored` loads with wrk.
- 10^5 dataset items read as one JSON answer: streamed a chunk at a time, so the server's RSS
  should grow by a small part of the answer's size, whatever that size (`run.py --cases rss`)."""

from __future__ import annotations

import json
from collections.abc import Callable

import aiohttp

ITEMS = 100_000
PUSH = 5_000  # items per push, about 1.3 MB of JSON (the body limit is 9 MiB)


def webhook_paths(hook_id: str, stored: int) -> dict[str, str]:
    """The reads to compare, by row name: a full page of 10 dispatches from the middle of the
    history (from the start when only 10 are stored), the webhook itself and the webhook list
    (both show `lastDispatch` and `stats.totalDispatches`)."""
    return {
        "GET /v2/webhooks/{id}/dispatches?limit=10, mid-history": (
            f"/v2/webhooks/{hook_id}/dispatches?limit=10&offset={(stored - 10) // 2}"
        ),
        "GET /v2/webhooks/{id} (lastDispatch)": f"/v2/webhooks/{hook_id}",
        "GET /v2/webhooks?limit=10 (lastDispatch)": "/v2/webhooks?limit=10",
    }


def _items(first: int) -> bytes:
    return json.dumps(
        [
            {"n": n, "title": f"item {n}", "text": "x" * 200, "tags": ["a", "b"]}
            for n in range(first, first + PUSH)
        ]
    ).encode()


async def fill_dataset(url: str, headers: dict[str, str]) -> str:
    """A dataset of ITEMS items; returns its items path. The server that parsed the pushes keeps
    the memory it grew for them, so the read is measured on another, started afresh."""
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(url + "/v2/datasets?name=rss") as response:
            path = f"/v2/datasets/{(await response.json())['data']['id']}/items"
        for first in range(0, ITEMS, PUSH):
            async with session.post(url + path, data=_items(first)) as response:
                assert response.status == 201, await response.text()
    return path


async def read_rss(url: str, headers: dict[str, str], rss: Callable[[], float]) -> dict[str, float]:
    """Read all the items as one JSON answer, 64 KiB at a time, sampling the server's RSS (MB)
    between reads: before, the highest during, and after; and the answer's size in MB."""
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(url + "?limit=1000") as response:  # warm up: the first read costs more
            await response.read()
        figures = {"before": rss(), "peak": 0.0, "answer": 0.0}
        async with session.get(url + "?format=json") as response:
            async for part in response.content.iter_chunked(64 * 1024):
                figures["answer"] += len(part) / 2**20
                figures["peak"] = max(figures["peak"], rss())
        figures["after"] = rss()
    return figures
