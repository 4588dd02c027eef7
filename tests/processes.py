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


def start(
    *args: str, env: dict[str, str] | None = None, url_prefix: str = "http://127.0.0.1:"
) -> tuple[subprocess.Popen[str], str, str]:
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
    assert banner.startswith("mock-apify listening on " + url_prefix), banner
    return process, banner.split()[3], banner


def _request(
    method: str, url: str, body: Any, token: str, headers: dict[str, str] | None
) -> urllib.request.Request:
    data = None if body is None else json.dumps(body).encode()
    all_headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})}
    return urllib.request.Request(url, data=data, method=method, headers=all_headers)


def call(method: str, url: str, body: Any = None, token: str = DEFAULT_TOKEN) -> tuple[int, Any]:
    """One request: (status, parsed JSON body), for error statuses too."""
    try:
        with urllib.request.urlopen(_request(method, url, body, token, None), timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw) if raw else None


def post(
    url: str,
    body: Any,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    token: str = DEFAULT_TOKEN,
) -> Any:
    """A request that must succeed: its parsed JSON body (an error status raises HTTPError)."""
    with urllib.request.urlopen(_request(method, url, body, token, headers), timeout=10) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def get(url: str, token: str = DEFAULT_TOKEN, headers: dict[str, str] | None = None) -> Any:
    return post(url, None, headers, method="GET", token=token)


def signal_and_wait(process: subprocess.Popen[str], sig: int, within: float) -> tuple[str, str]:
    """Send `sig` and wait for the process to end: it must do so within `within` seconds (the
    promise under test, e.g. a prompt shutdown); returns (stdout, stderr), whatever its status."""
    process.send_signal(sig)
    try:
        return process.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError(f"still running {within:g} s after signal {sig}") from None


def start_fails(*args: str) -> str:
    """Run the CLI, which must refuse to start; returns its one line of stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "mock_apify", *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "Unclosed" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def stop(process: subprocess.Popen[str], sig: int) -> tuple[str, str]:
    """Signal the process and wait for it: it must exit 0; returns (stdout, stderr)."""
    process.send_signal(sig)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    return out, err
