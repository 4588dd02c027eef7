"""The standalone `mock-apify` process: start-up line, request log, env settings, clean shutdown."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import urllib.error
from pathlib import Path
from typing import Any

import pytest

from mock_apify import Config
from mock_apify.config import DEFAULT_TOKEN, MEMORY_DB
from mock_apify.threaded import ThreadedEmulator
from processes import get, post, signal_and_wait, start, start_fails, stop


def test_serves_prints_token_logs_requests_and_stops_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    process, url, banner = start("--port", "0", "--db", str(db))
    assert DEFAULT_TOKEN in banner  # shown once at start-up for the user
    try:
        body = get(f"{url}/v2/webhooks?token={DEFAULT_TOKEN}")
        assert body["data"]["total"] >= 1  # the default seed
    finally:
        out, err = stop(process, signal.SIGTERM)
    assert "GET /v2/webhooks" in err and "200" in err
    assert DEFAULT_TOKEN not in err  # never in the request log
    assert "mock-apify stopped" in out
    assert db.exists()


def test_settings_from_environment_and_sigint(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    process, url, _ = start(env={"MOCK_APIFY_PORT": "0", "MOCK_APIFY_DB": str(db)})
    try:
        assert get(f"{url}/_mock/health")["data"]["status"] == "ok"
    finally:
        stop(process, signal.SIGINT)
    assert db.exists()


def test_memory_database_and_no_seed() -> None:
    process, url, _ = start("--port", "0", "--db", ":memory:", "--no-seed", "--quiet")
    try:
        assert get(f"{url}/v2/webhooks")["data"]["total"] == 0
    finally:
        _, err = stop(process, signal.SIGTERM)
    assert "GET /v2/webhooks" not in err


def test_bad_seed_file_is_a_clear_error(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "users": [
                    {
                        "id": "u" * 17,
                        "username": "uuu",
                        "token": "t",
                        "actors": [{"id": "a" * 17, "name": "act"}],
                        "webhooks": [
                            {
                                "id": "w" * 17,
                                "eventTypes": ["NOPE"],
                                "condition": {"actorId": "a" * 17},
                                "requestUrl": "http://127.0.0.1/x",
                            }
                        ],
                    }
                ]
            }
        )
    )
    line = start_fails("--port", "0", "--db", ":memory:", "--seed", str(seed))
    assert "users[0].webhooks[0]" in line and "eventTypes" in line


def test_database_of_another_schema_is_a_clear_error_and_is_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as connection:  # what the first builds wrote: no schema version
        connection.execute("CREATE TABLE users (id TEXT PRIMARY KEY, webhook_count INTEGER)")
        connection.execute("INSERT INTO users VALUES ('u', 3)")
    connection.close()
    line = start_fails("--port", "0", "--db", str(db))
    assert f"mock-apify: the database file {db} was written by another version" in line
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT * FROM users").fetchall() == [("u", 3)]
    connection.close()


def test_render_template_prints_headers_and_exact_payload_bytes(tmp_path: Path) -> None:
    template = tmp_path / "payload.json"
    template.write_text('{"run": {{resource.id}}, "type": {{eventType}}, "none": {{resource.exitCode}}}')
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mock_apify",
            "render-template",
            "--payload-file",
            str(template),
            "--headers",
            '{"X-Kind": "run"}',
        ],
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    head, _, payload = result.stdout.partition(b"\n\n")
    assert head.splitlines() == [
        b"X-Kind: run",
        b"Content-Type: application/json",
        b"X-Apify-Webhook: SampleWebhook0001",
        b"X-Apify-Webhook-Dispatch-Id: SampleDispatch001",
        b"X-Apify-Request-Origin: WEBHOOK",
    ]
    assert payload == b'{"run":"HG7ML7M8z78YcAPEB","type":"ACTOR.RUN.SUCCEEDED","none":null}\n'


def test_render_template_without_headers_starts_with_the_headers_apify_sends() -> None:
    """Without a headers template it printed a blank first line and no newline at the end; the
    headers every dispatch sends come first now, and the output ends with a newline."""
    result = subprocess.run(
        [sys.executable, "-m", "mock_apify", "render-template", "--payload", '{"e": {{eventType}}}'],
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split(b"\n")
    assert lines[0] == b"Content-Type: application/json"
    assert lines[4:] == [b"", b'{"e":"ACTOR.RUN.SUCCEEDED"}', b""]
    assert result.stdout.count(b"\n\n") == 1


def test_render_template_reports_the_validation_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mock_apify", "render-template", "--payload", '{"a": {{nope}}}'],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "Invalid payload template variable: nope" in result.stderr and result.stdout == ""


def test_clock_and_retry_settings_from_the_command_line() -> None:
    process, url, _ = start(
        "--port", "0", "--db", ":memory:", "--clock", "virtual", "--retry-base-delay", "5"
    )
    try:
        assert get(f"{url}/_mock/clock")["data"]["mode"] == "virtual"
    finally:
        stop(process, signal.SIGTERM)


def test_a_bad_environment_value_is_a_clear_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mock_apify"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "MOCK_APIFY_PORT": "eighty"},
    )
    assert result.returncode == 2
    assert "MOCK_APIFY_PORT='eighty' is not a valid int" in result.stderr


def test_allowed_origins_and_hosts_from_the_command_line_and_environment() -> None:
    process, url, _ = start(
        "--port", "0", "--db", ":memory:", "--allow-host", "mock-apify",
        env={"MOCK_APIFY_ALLOWED_ORIGINS": "https://app.example, https://other.example"},
    )  # fmt: skip
    try:
        assert get(f"{url}/_mock/health", headers={"Host": "mock-apify:8765"})["data"]["status"] == "ok"
        with pytest.raises(urllib.error.HTTPError) as refused:
            get(f"{url}/_mock/health", headers={"Host": "rebound.example"})
        assert refused.value.code == 403
        created = post(f"{url}/v2/actors", {"name": "a"}, headers={"Origin": "https://other.example"})
        assert created["data"]["name"] == "a"
        with pytest.raises(urllib.error.HTTPError) as refused:
            post(f"{url}/v2/actors", {"name": "b"}, headers={"Origin": "https://third.example"})
        assert refused.value.code == 403
    finally:
        stop(process, signal.SIGTERM)


def test_sigterm_ends_long_polls_and_log_streams_promptly() -> None:
    """A container runtime sends SIGKILL 10 s after SIGTERM; clients streaming a RUNNING run's log
    or waiting on it (`waitForFinish=60`) must not keep the process alive that long (they kept it
    for 121 s and 60 s)."""
    process, url, _ = start("--port", "0", "--db", ":memory:", "--no-seed", "--quiet")
    streaming = threading.Event()
    answers: dict[str, Any] = {}
    try:
        actor = post(f"{url}/v2/actors", {"name": "forever"})["data"]
        post(f"{url}/_mock/actors/{actor['id']}/behaviour", {"run": {"status": None}}, method="PUT")
        run = post(f"{url}/v2/actors/{actor['id']}/runs", {})["data"]

        def stream_log() -> None:
            request = urllib.request.Request(
                f"{url}/v2/actor-runs/{run['id']}/log?stream=1",
                headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
            )
            with urllib.request.urlopen(request, timeout=120) as response:
                streaming.set()
                answers["log"] = (response.status, response.read())

        client = threading.Thread(target=stream_log)
        client.start()
        assert streaming.wait(timeout=20)
        host, port = url.removeprefix("http://").rsplit(":", 1)
        waiter = socket.create_connection((host, int(port)), timeout=120)
        waiter.sendall(
            f"GET /v2/actor-runs/{run['id']}?waitForFinish=60 HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {DEFAULT_TOKEN}\r\nConnection: close\r\n\r\n".encode()
        )
        get(f"{url}/_mock/health")  # answered after the waiting request was taken up
    finally:
        out, err = signal_and_wait(process, signal.SIGTERM, within=8)
    assert process.returncode == 0, err
    assert "mock-apify stopped" in out
    client.join(timeout=10)
    status, log = answers["log"]
    assert status == 200 and b"status changed to RUNNING" in log
    with waiter, waiter.makefile("rb") as answer:
        head, _, body = answer.read().partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and json.loads(body)["data"]["status"] == "RUNNING"


def test_connection_limits_from_the_command_line_and_environment() -> None:
    process, url, _ = start(
        "--port", "0", "--db", ":memory:", "--header-timeout", "0.3",
        env={"MOCK_APIFY_IDLE_TIMEOUT": "0.3"},
    )  # fmt: skip
    host, port = url.removeprefix("http://").rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=10) as silent:
            assert silent.recv(100) == b""  # closed by the idle timeout
        with socket.create_connection((host, int(port)), timeout=10) as slow:
            slow.sendall(b"GET /_mock/health HTTP/1.1\r\n")
            assert slow.recv(100).startswith(b"HTTP/1.1 408 ")
    finally:
        stop(process, signal.SIGTERM)


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("::1", "http://[::1]:"),
        ("::", "http://[::1]:"),
        ("", "http://127.0.0.1:"),
        ("0.0.0.0", "http://127.0.0.1:"),
    ],
)
def test_the_start_up_url_works_for_ipv6_and_wildcard_hosts(host: str, shown: str) -> None:
    """It was `http://::1:18841`, `http://:::18841` and `http://:18841`: not URLs."""
    process, url, _ = start("--port", "0", "--db", ":memory:", "--host", host, url_prefix=shown)
    try:
        assert get(f"{url}/_mock/health")["data"]["status"] == "ok"
    finally:
        stop(process, signal.SIGTERM)


def test_the_threaded_emulator_url_brackets_ipv6() -> None:
    with ThreadedEmulator(Config(host="::1", port=0, db=MEMORY_DB, no_seed=True)) as emulator:
        assert emulator.url == f"http://[::1]:{emulator.port}"
        assert get(f"{emulator.url}/_mock/health")["data"]["status"] == "ok"
