"""The standalone `mock-apify` process for tests: start it, call it over HTTP, stop it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

from mock_apify.config import DEFAULT_TOKEN


def start(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str, str]:
    """Start the process and read its three start-up lines: URL, token, database."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_apify", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    banner = "".join(process.stdout.readline() for _ in range(3))
    assert banner.startswith("mock-apify listening on http://127.0.0.1:"), banner
    return process, banner.split()[3], banner


def call(method: str, url: str, body: Any = None, token: str = DEFAULT_TOKEN) -> tuple[int, Any]:
    """One request: (status, parsed JSON body), for error statuses too."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw) if raw else None


def get(url: str, token: str = DEFAULT_TOKEN) -> dict:  # type: ignore[type-arg]
    status, body = call("GET", url, token=token)
    assert status == 200, body
    return body  # type: ignore[no-any-return]


def stop(process: subprocess.Popen[str], sig: int) -> tuple[str, str]:
    """Signal the process and wait for it: it must exit 0; returns (stdout, stderr)."""
    process.send_signal(sig)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    return out, err
