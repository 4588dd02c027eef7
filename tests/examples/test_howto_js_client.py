"""How to use mock-apify with the JavaScript client, through the standalone process.

Start `python -m mock_apify --port 0 --db :memory:` as a subprocess, read its base URL from the first
line it prints, and give that URL to the npm package `apify-client` as `baseUrl`, with a token the
emulator knows (here the default user's). The npm package is installed once per checkout, with
`npm install --no-save --prefix <dir>`, into `.js-client/` at the top of the repository
(gitignored), and reused while it is there; delete the folder to install it again.

The last test proves the client retries a 429 (a fault set through `POST /_mock/faults`).

This needs Node.js and npm. Without them the test fails with a message saying so: a skip would
hide that the JavaScript path is not tested.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jsclient import JS_CLIENT_DIR, install_js_client, installed, run_node
from mock_apify.config import DEFAULT_TOKEN

NODE_SCRIPT = r"""
const { ApifyClient } = require('apify-client');

async function main() {
    const [baseUrl, token] = process.argv.slice(2);
    const client = new ApifyClient({ baseUrl, token, maxRetries: 0 });
    const actor = await client.actors().create({ name: 'js-actor' });
    const fields = {
        eventTypes: ['ACTOR.RUN.SUCCEEDED', 'ACTOR.RUN.FAILED'],
        condition: { actorId: actor.id },
        requestUrl: 'https://example.com/apify-hook',
        idempotencyKey: 'js-client-key',
    };
    const webhook = await client.webhooks().create(fields);
    const again = await client.webhooks().create(fields);  // same key: the same webhook
    const list = await client.webhooks().list();
    console.log(JSON.stringify({
        actorId: actor.id, webhookId: webhook.id, againId: again.id,
        total: list.total, ids: list.items.map((item) => item.id),
    }));
}

main().catch((error) => { console.error(error); process.exit(1); });
"""


# The base URL is the emulator's address alone: the client adds /v2 itself.
NODE_V2_SCRIPT = r"""
const { ApifyClient } = require('apify-client');

async function main() {
    const [baseUrl, token] = process.argv.slice(2);
    const client = new ApifyClient({ baseUrl: `${baseUrl}/v2`, token, maxRetries: 0 });
    try {
        await client.webhooks().list();
        console.log(JSON.stringify({ ok: true }));
    } catch (error) {
        console.log(JSON.stringify({ status: error.statusCode, type: error.type, message: error.message }));
    }
}

main().catch((error) => { console.error(error); process.exit(1); });
"""


# The client's retries, proven against a fault: the next two lists get 429 with Retry-After.
NODE_RETRY_SCRIPT = r"""
const { ApifyClient } = require('apify-client');

async function main() {
    const [baseUrl, token] = process.argv.slice(2);
    const client = new ApifyClient({ baseUrl, token, maxRetries: 3, minDelayBetweenRetriesMillis: 10 });
    const list = await client.webhooks().list();
    console.log(JSON.stringify({ total: list.total }));
}

main().catch((error) => { console.error(error); process.exit(1); });
"""


@pytest.fixture(scope="session")
def js_apify_client() -> Path:
    """A folder whose node_modules holds the npm package apify-client: `.js-client/` of the
    checkout, installed by the first run that needs it and reused by every run after."""
    return install_js_client()


@pytest.fixture
def standalone(tmp_path: Path) -> Iterator[str]:
    """The standalone emulator process; yields its base URL."""
    log = (tmp_path / "mock-apify.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_apify", "--port", "0", "--db", ":memory:", "--no-seed", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        # "mock-apify listening on http://127.0.0.1:PORT", read with a time limit.
        lines: list[str] = []
        stdout = process.stdout
        assert stdout is not None
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(30)
        if not lines or not lines[0].startswith("mock-apify listening on "):
            process.kill()
            pytest.fail(f"the emulator did not start: {lines} {(tmp_path / 'mock-apify.log').read_text()}")
        yield lines[0].split()[-1]
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        log.close()


def test_the_js_client_is_installed_once_per_checkout(js_apify_client: Path) -> None:
    """It was installed into a temporary folder on every run, as the suite turns pytest's cache
    off; now it lives in the checkout, where git ignores it."""
    assert js_apify_client == JS_CLIENT_DIR and installed(JS_CLIENT_DIR)
    ignored = (JS_CLIENT_DIR.parent / ".gitignore").read_text().splitlines()
    assert "/.js-client*/" in ignored


def _run_node(source: str, standalone: str, js_apify_client: Path, tmp_path: Path) -> Any:
    """Run a Node.js script with the JS client against the emulator: the JSON of its last line."""
    script = tmp_path / "script.js"
    script.write_text(source)
    return run_node(script, js_apify_client, standalone, DEFAULT_TOKEN)


def test_the_js_client_creates_and_lists_webhooks(
    standalone: str, js_apify_client: Path, tmp_path: Path
) -> None:
    out = _run_node(NODE_SCRIPT, standalone, js_apify_client, tmp_path)
    assert out["againId"] == out["webhookId"] and out["total"] == 1 and out["ids"] == [out["webhookId"]]
    # The emulator agrees, seen from Python.
    request = urllib.request.Request(
        f"{standalone}/v2/webhooks/{out['webhookId']}", headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        webhook = json.loads(response.read())["data"]
    assert webhook["condition"] == {"actorId": out["actorId"]}
    assert webhook["eventTypes"] == ["ACTOR.RUN.SUCCEEDED", "ACTOR.RUN.FAILED"]


def test_a_base_url_ending_in_v2_gets_a_hint(standalone: str, js_apify_client: Path, tmp_path: Path) -> None:
    """`baseUrl: "http://127.0.0.1:8765/v2"` makes the client ask for /v2/v2/webhooks: Apify's
    404 page-not-found, whose message says what is wrong."""
    error = _run_node(NODE_V2_SCRIPT, standalone, js_apify_client, tmp_path)
    assert error["status"] == 404 and error["type"] == "page-not-found"
    assert "The path starts with /v2/v2: the API's base URL is the host alone" in error["message"]


def test_the_js_client_retries_on_429(standalone: str, js_apify_client: Path, tmp_path: Path) -> None:
    """A rate-limit fault for the default user's next two webhook lists: the client retries them
    (it retries 429 and 5xx) and the third answers."""
    fault = {"operationId": "webhooks_get", "fault": "rate-limit", "times": 2, "retryAfterSecs": 1}
    request = urllib.request.Request(
        f"{standalone}/_mock/faults", data=json.dumps(fault).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201

    assert _run_node(NODE_RETRY_SCRIPT, standalone, js_apify_client, tmp_path) == {"total": 0}
    with urllib.request.urlopen(f"{standalone}/_mock/faults", timeout=10) as response:
        assert json.loads(response.read())["data"]["items"] == []  # both 429s were answered
