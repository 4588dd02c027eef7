"""Benchmark mock-apify against a bare aiohttp server on 127.0.0.1, in one run, and print ratios.

    .venv/bin/python benchmarks/run.py            # the full run (about 12 minutes)
    .venv/bin/python benchmarks/run.py --quick    # shorter cases, for a first look

Contenders alternate (A B A B) so that drift of this shared machine hits both. wrk drives the
HTTP cases (installed from Debian when missing); the rest are measured here with aiohttp."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
TOKEN = "apify_api_mock_default_token_0000000000"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


# --- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kilobytes = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
        return kilobytes / 1024

    def cpu_seconds(self) -> float:
        """User and system CPU time the process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def wait_ready(url: str, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(url + "/_mock/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.perf_counter() > deadline:
                raise
            time.sleep(0.002)


def start_mock(db: Path, *extra: str) -> Server:
    port = free_port()
    env = {**os.environ, "MOCK_APIFY_MAX_WEBHOOKS_PER_USER": "100000000"}
    process = subprocess.Popen(
        [PYTHON, "-m", "mock_apify", "--port", str(port), "--db", str(db), "--no-seed", "--quiet", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    server = Server(process, f"http://127.0.0.1:{port}")
    wait_ready(server.url, time.perf_counter() + 30)
    return server


def start_bare(bodies: Path) -> Server:
    port = free_port()
    process = subprocess.Popen(
        [PYTHON, str(HERE / "bare_server.py"), "--port", str(port), "--bodies", str(bodies)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    server = Server(process, f"http://127.0.0.1:{port}")
    wait_ready(server.url, time.perf_counter() + 30)
    return server


@contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        yield server
    finally:
        server.stop()


def call(url: str, method: str = "GET", body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={**AUTH, "Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


# --- wrk ------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing it from Debian (apt-get install wrk)", flush=True)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    url: str,
    path: str,
    connections: int,
    seconds: float,
    script: str | None = None,
    env: dict[str, str] | None = None,
) -> Load:
    command = [
        WRK,
        f"-t{min(connections, 2)}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        "-H",
        f"Authorization: Bearer {TOKEN}",
    ]
    if script:
        command += ["-s", str(HERE / script)]
    result = subprocess.run(
        [*command, url + path], capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}
    )
    out = result.stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors on {path}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Load(rps, p50, p99, requests)


# --- the report -----------------------------------------------------------------------------

ROWS: list[tuple[str, str, str, str, str, str]] = []


def row(case: str, mock: str, bare: str, ratio: str, target: str, met: bool | None) -> None:
    verdict = "" if met is None else ("yes" if met else "NO")
    ROWS.append((case, mock, bare, ratio, target, verdict))
    print(f"  {case}: mock {mock} | bare {bare} | {ratio} | target {target} {verdict}", flush=True)


def print_table() -> None:
    header = ("case", "mock-apify", "bare aiohttp", "ratio", "target", "met")
    widths = [max(len(r[i]) for r in [header, *ROWS]) for i in range(6)]
    for line in [header, tuple("-" * w for w in widths), *ROWS]:
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) + " |")


# --- cases ----------------------------------------------------------------------------------


def prepare(db: Path, webhooks: int) -> tuple[str, dict[str, str]]:
    """A database with an Actor and `webhooks` webhooks; returns the Actor id and the GET bodies."""
    with running(start_mock(db)) as mock:
        actor = call(mock.url + "/v2/actors", "POST", {"name": "bench"})["data"]["id"]
        for i in range(webhooks):
            call(
                mock.url + "/v2/webhooks",
                "POST",
                {
                    "eventTypes": ["ACTOR.RUN.SUCCEEDED"],
                    "condition": {"actorId": actor},
                    "requestUrl": f"http://127.0.0.1:9/{i}",
                },
            )
        with urllib.request.urlopen(
            urllib.request.Request(mock.url + "/v2/webhooks?limit=10", headers=AUTH)
        ) as r:
            listing = r.read().decode()
    created = json.dumps({"data": {"id": "x" * 17, "payloadTemplate": "x" * 150}}, indent=2)
    return actor, {"GET /v2/webhooks": listing, "POST /v2/webhooks": created}


def http_cases(work: Path, seconds: float) -> None:
    db = work / "http.db"
    actor, bodies = prepare(db, 50)
    bodies_file = work / "bodies.json"
    bodies_file.write_text(json.dumps(bodies))
    cases = [
        ("POST /v2/webhooks c=1", "/v2/webhooks", 1, "create_webhook.lua", 0.5),
        ("POST /v2/webhooks c=16", "/v2/webhooks", 16, "create_webhook.lua", 0.5),
        ("GET /v2/webhooks?limit=10 c=16", "/v2/webhooks?limit=10", 16, None, 0.6),
    ]
    for name, path, connections, script, target in cases:
        results: dict[str, list[Load]] = {"mock": [], "bare": []}
        cpu: dict[str, list[float]] = {"mock": [], "bare": []}  # the server's CPU per request, µs
        for _ in range(2):  # A B A B
            for who in ("bare", "mock"):
                server = start_mock(db) if who == "mock" else start_bare(bodies_file)
                with running(server):
                    before = server.cpu_seconds()
                    load = wrk(
                        server.url, path, connections, seconds, script, {"ACTOR_ID": actor, "TOKEN": TOKEN}
                    )
                    cpu[who].append((server.cpu_seconds() - before) / max(load.requests, 1) * 1e6)
                    results[who].append(load)
        mock_rps = statistics.mean(r.rps for r in results["mock"])
        bare_rps = statistics.mean(r.rps for r in results["bare"])
        ratio = mock_rps / bare_rps
        row(
            name,
            f"{mock_rps:,.0f} req/s",
            f"{bare_rps:,.0f} req/s",
            f"{ratio:.0%}",
            f">= {target:.0%}",
            ratio >= target,
        )
        # Steadier than req/s on a shared machine: what the server itself spends per request.
        mock_cpu, bare_cpu = min(cpu["mock"]), min(cpu["bare"])
        row(
            f"{name} CPU",
            f"{mock_cpu:.0f} µs/req",
            f"{bare_cpu:.0f} µs/req",
            f"{bare_cpu / mock_cpu:.0%}",
            "",
            None,
        )
        if connections == 16 and script:
            p99 = max(r.p99_ms for r in results["mock"])
            bare_p99 = max(r.p99_ms for r in results["bare"])
            row(f"{name} p99", f"{p99:.1f} ms", f"{bare_p99:.1f} ms", "", "<= 10 ms", p99 <= 10)


def record_case(work: Path, seconds: float) -> None:
    """`get_record` of a 1 MiB record (GET .../records/{key}, c=4) against the bare server sending
    the same bytes: what serving a record from SQLite costs over sending it."""
    db = work / "records.db"
    record = os.urandom(512 * 1024).hex()  # 1 MiB of text, so the bare server can hold it as JSON
    with running(start_mock(db)) as mock:
        store = call(mock.url + "/v2/key-value-stores?name=bench", "POST")["data"]["id"]
        path = f"/v2/key-value-stores/{store}/records/big"
        headers = {**AUTH, "Content-Type": "application/octet-stream"}
        request = urllib.request.Request(mock.url + path, data=record.encode(), method="PUT", headers=headers)
        urllib.request.urlopen(request, timeout=30).close()
    bodies_file = work / "record-bodies.json"
    bodies_file.write_text(json.dumps({f"GET {path}": record}))
    results: dict[str, list[Load]] = {"mock": [], "bare": []}
    for _ in range(2):  # A B A B
        for who in ("bare", "mock"):
            server = start_mock(db) if who == "mock" else start_bare(bodies_file)
            with running(server):
                results[who].append(wrk(server.url, path, 4, seconds))
    mock_rps = statistics.mean(r.rps for r in results["mock"])
    bare_rps = statistics.mean(r.rps for r in results["bare"])
    ratio = mock_rps / bare_rps
    row(
        "get_record, 1 MiB, c=4",
        f"{mock_rps:,.0f} req/s",
        f"{bare_rps:,.0f} req/s",
        f"{ratio:.0%}",
        ">= 50%",
        ratio >= 0.5,
    )


def fill_dispatches(db: Path, count: int) -> str:
    """Write `count` dispatches of one webhook straight into the database (through the API it would
    take hours); returns the webhook's ID."""
    with running(start_mock(db)) as mock:
        actor = call(mock.url + "/v2/actors", "POST", {"name": "bench"})["data"]["id"]
        hook = call(
            mock.url + "/v2/webhooks",
            "POST",
            {
                "eventTypes": ["ACTOR.RUN.SUCCEEDED"],
                "condition": {"actorId": actor},
                "requestUrl": "http://127.0.0.1:9/x",
            },
        )["data"]
        call(mock.url + f"/v2/webhooks/{hook['id']}/test", "POST")
        time.sleep(0.5)
    connection = sqlite3.connect(db)
    doc, calls, delivery = connection.execute("SELECT doc, calls, delivery FROM dispatches").fetchone()
    user_id = hook["userId"]
    rows = ((f"b{n:016d}", user_id, hook["id"], n, n, doc, calls, delivery) for n in range(2, count + 1))
    with connection:
        connection.executemany(
            "INSERT INTO dispatches (id, user_id, webhook_id, user_n, webhook_n, status, doc, calls, delivery,"
            " next_attempt_at) VALUES (?, ?, ?, ?, ?, 'FAILED', ?, ?, ?, NULL)",
            rows,
        )
        connection.execute("UPDATE users SET dispatch_count = ? WHERE id = ?", (count, user_id))
        connection.execute("UPDATE webhooks SET total_dispatches = ? WHERE id = ?", (count, hook["id"]))
    connection.close()
    return str(hook["id"])


def dispatch_page_case(work: Path, seconds: float) -> None:
    small, large = work / "d100.db", work / "d1m.db"
    fill_dispatches(small, 100)
    fill_dispatches(large, 1_000_000)
    loads: dict[str, list[Load]] = {"small": [], "large": []}
    for _ in range(2):
        for name, db, offset in (("small", small, 50), ("large", large, 500_000)):
            with running(start_mock(db)) as mock:
                loads[name].append(
                    wrk(mock.url, f"/v2/webhook-dispatches?limit=10&offset={offset}", 16, seconds)
                )
    small_p50 = statistics.mean(r.p50_ms for r in loads["small"])
    large_p50 = statistics.mean(r.p50_ms for r in loads["large"])
    small_rps = statistics.mean(r.rps for r in loads["small"])
    large_rps = statistics.mean(r.rps for r in loads["large"])
    ratio = small_rps / large_rps
    row(
        "GET /v2/webhook-dispatches?limit=10, 10^6 vs 10^2 stored",
        f"{large_rps:,.0f} req/s, p50 {large_p50:.2f} ms",
        f"(10^2) {small_rps:,.0f} req/s, p50 {small_p50:.2f} ms",
        f"{ratio:.2f}x the time",
        "<= 1.2x",
        ratio <= 1.2,
    )


def webhook_dispatches_case(work: Path, seconds: float) -> None:
    """Issue 17, section 3: one webhook's reads with 10^5 stored dispatches against 10 (wrk, c=16)."""
    import stored

    paths = {}
    for count in (10, 100_000):
        paths[count] = stored.webhook_paths(fill_dispatches(work / f"hook{count}.db", count), count)
    rps: dict[tuple[str, int], list[float]] = {}
    for _ in range(2):  # A B A B
        for count in paths:
            with running(start_mock(work / f"hook{count}.db")) as mock:
                for name, path in paths[count].items():
                    rps.setdefault((name, count), []).append(wrk(mock.url, path, 16, seconds).rps)
    for name in paths[10]:
        small, large = statistics.mean(rps[name, 10]), statistics.mean(rps[name, 100_000])
        row(
            f"{name}, 10^5 dispatches vs 10",
            f"{large:,.0f} req/s",
            f"(10) {small:,.0f} req/s",
            f"{small / large:.2f}x the time",
            "<= 1.2x",
            small / large <= 1.2,
        )


def dataset_rss_case(work: Path) -> None:
    """Issue 17, section 3: the server's RSS while it answers 10^5 items as one JSON answer."""
    import stored

    with running(start_mock(work / "rss.db")) as mock:
        path = asyncio.run(stored.fill_dataset(mock.url, AUTH))
    with running(start_mock(work / "rss.db")) as mock:
        figures = asyncio.run(stored.read_rss(mock.url + path, AUTH, mock.rss_mb))
    grown, answer = figures["peak"] - figures["before"], figures["answer"]
    row(
        f"RSS reading {stored.ITEMS:,} items as JSON ({answer:.1f} MB answer)",
        f"{figures['before']:.1f} -> {figures['peak']:.1f} MB (after {figures['after']:.1f})",
        "",
        f"+{grown:.1f} MB, {grown / answer:.0%} of the answer",
        "grows < 1/4 of the answer",
        grown < answer / 4,
    )


class Receiver:
    def __init__(self) -> None:
        self.count = 0
        self.arrived = asyncio.Event()
        self.expect = 1

    async def serve(self) -> tuple[web.AppRunner, str]:
        """Serve on a free loopback port; returns the runner (to clean up) and the hook URL."""
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/hook"

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        self.count += 1
        if self.count >= self.expect:
            self.arrived.set()
        return web.Response(text="ok")


async def actor_with_webhook(post: Callable[..., Awaitable[Any]], hook_url: str) -> tuple[Any, Any]:
    """An Actor and a webhook on its successful runs calling `hook_url`."""
    actor = await post("/v2/actors", {"name": "bench"})
    condition = {"actorId": actor["id"]}
    hook = await post(
        "/v2/webhooks",
        {"eventTypes": ["ACTOR.RUN.SUCCEEDED"], "condition": condition, "requestUrl": hook_url},
    )
    return actor, hook


async def delivery_cases(work: Path, rounds: int) -> None:
    receiver = Receiver()
    runner, hook_url = await receiver.serve()
    with running(start_mock(work / "delivery.db")) as mock:
        async with aiohttp.ClientSession(headers=AUTH) as session:

            async def post(path: str, body: Any = None) -> Any:
                async with session.post(mock.url + path, json=body) as response:
                    return (await response.json())["data"]

            actor, hook = await actor_with_webhook(post, hook_url)
            latencies = []
            for _ in range(rounds):
                receiver.count, receiver.expect = 0, 1
                receiver.arrived.clear()
                start = time.perf_counter()
                await post(f"/v2/webhooks/{hook['id']}/test")
                await asyncio.wait_for(receiver.arrived.wait(), 10)
                latencies.append((time.perf_counter() - start) * 1000)
            p50 = statistics.median(latencies)
            row(
                "POST /test to delivery at a loopback receiver",
                f"p50 {p50:.2f} ms",
                "",
                "",
                "p50 <= 5 ms",
                p50 <= 5,
            )

            for _ in range(99):
                await post(
                    "/v2/webhooks",
                    {
                        "eventTypes": ["ACTOR.RUN.SUCCEEDED"],
                        "condition": {"actorId": actor["id"]},
                        "requestUrl": hook_url,
                    },
                )
            spans = []
            for _ in range(3):
                receiver.count, receiver.expect = 0, 100
                receiver.arrived.clear()
                start = time.perf_counter()
                await post(f"/v2/actors/{actor['id']}/runs")
                await asyncio.wait_for(receiver.arrived.wait(), 30)
                spans.append(time.perf_counter() - start)
            worst = max(spans)
            row(
                "one run event matching 100 webhooks, all delivered",
                f"{worst * 1000:.0f} ms (worst of 3)",
                "",
                "",
                "<= 1 s",
                worst <= 1,
            )
    await runner.cleanup()


def compile_package() -> None:
    """Bytecode for mock-apify's modules, as pip writes it when it installs a wheel. An editable
    install under PYTHONDONTWRITEBYTECODE=1 (set on these machines) has none, and would compile
    every module on every start: about 80 ms that no installed copy pays."""
    spec = importlib.util.find_spec("mock_apify")
    assert spec is not None and spec.submodule_search_locations
    subprocess.run([PYTHON, "-m", "compileall", "-q", *spec.submodule_search_locations], check=True)


def startup_case(work: Path, rounds: int) -> None:
    compile_package()
    times: dict[str, list[float]] = {"mock": [], "bare": []}
    bodies = work / "startup-bodies.json"
    bodies.write_text("{}")
    for i in range(rounds):
        for who in ("bare", "mock"):
            start = time.perf_counter()
            server = start_mock(work / f"start{i}.db") if who == "mock" else start_bare(bodies)
            times[who].append(time.perf_counter() - start)
            server.stop()
    mock, bare = statistics.median(times["mock"]), statistics.median(times["bare"])
    row(
        "standalone start-up to first 200",
        f"{mock * 1000:.0f} ms",
        f"{bare * 1000:.0f} ms",
        f"{mock / bare:.2f}x",
        "<= 1.5x",
        mock / bare <= 1.5,
    )


async def _timed(session: aiohttp.ClientSession, method: str, url: str, body: bytes | None) -> float:
    """Milliseconds from sending a request to the last byte of its answer."""
    headers = {**AUTH, "Content-Type": "application/json"}
    start = time.perf_counter()
    async with session.request(method, url, data=body, headers=headers) as response:
        await response.read()
        assert response.status < 300, (url, response.status)
    return (time.perf_counter() - start) * 1000


async def dataset_cases(work: Path, rounds: int) -> None:
    """Push 1,000 items; read them as JSON and as CSV. The bare server reads the same push and
    sends the same bytes mock-apify sent, so each ratio is the cost of the emulation itself."""
    items = json.dumps([{"n": n, "title": f"item {n}", "tags": ["a", "b"]} for n in range(1000)]).encode()
    bodies_file = work / "dataset-bodies.json"
    with running(start_mock(work / "datasets.db")) as mock:
        dataset = call(mock.url + "/v2/datasets?name=bench", "POST")["data"]["id"]
        base = f"{mock.url}/v2/datasets/{dataset}/items"
        async with aiohttp.ClientSession() as session:
            await _timed(session, "POST", base, items)
            bodies = {}
            for fmt in ("json", "csv"):
                async with session.get(f"{base}?format={fmt}", headers=AUTH) as response:
                    bodies[f"GET /v2/datasets/{{datasetId}}/items?format={fmt}"] = (
                        await response.read()
                    ).decode()
    bodies_file.write_text(json.dumps(bodies))
    spans: dict[str, dict[str, list[float]]] = {}
    for _ in range(2):  # A B A B
        for who in ("bare", "mock"):
            db = work / f"datasets-{who}-{len(spans)}.db"
            with running(start_mock(db) if who == "mock" else start_bare(bodies_file)) as server:
                await _dataset_rounds(server.url, who, items, rounds, spans)
    for case, times in spans.items():
        mock_ms, bare_ms = statistics.median(times["mock"]), statistics.median(times["bare"])
        # Reported, with no target yet: the bare server does none of the work (parse, store, shape).
        row(
            case,
            f"p50 {mock_ms:.2f} ms",
            f"p50 {bare_ms:.2f} ms",
            f"{mock_ms / bare_ms:.1f}x the time",
            "",
            None,
        )


async def _dataset_rounds(
    url: str, who: str, items: bytes, rounds: int, spans: dict[str, dict[str, list[float]]]
) -> None:
    async with aiohttp.ClientSession() as session:
        name = "bench" if who == "mock" else "x"
        dataset = call(f"{url}/v2/datasets?name={name}", "POST")["data"]["id"] if who == "mock" else "x" * 17
        base = f"{url}/v2/datasets/{dataset}/items"
        for case, method, target, body in (
            ("push 1,000 items (POST /v2/datasets/{id}/items)", "POST", base, items),
            ("read 1,000 items as JSON", "GET", f"{base}?format=json&limit=1000", None),
            ("read 1,000 items as CSV", "GET", f"{base}?format=csv&limit=1000", None),
        ):
            times = spans.setdefault(case, {"mock": [], "bare": []})[who]
            for _ in range(rounds):
                times.append(await _timed(session, method, target, body))


def fixture_user_case(work: Path, count: int) -> None:
    with running(start_mock(work / "users.db", "--db", ":memory:")) as mock:
        spans = []
        for _ in range(count):
            start = time.perf_counter()
            user = call(mock.url + "/_mock/users", "POST", {})["data"]
            call(mock.url + "/_mock/reset", "POST", {"userId": user["id"]})
            spans.append((time.perf_counter() - start) * 1000)
    mean = statistics.mean(spans)
    row(
        "per-test user (create + reset) on a running emulator",
        f"{mean:.2f} ms",
        "",
        "",
        "<= 20 ms",
        mean <= 20,
    )


def per_test_case(work: Path, count: int, rounds: int) -> None:
    """Issue 17's first case: a webhook test on the plugin against the same test on canned answers."""
    import per_test

    with running(start_mock(work / "canned.db", "--db", ":memory:")) as mock:
        costs = per_test.measure(call, mock.url, count, rounds)
    ratio = costs["mock"] / costs["canned"]
    row(
        f"one webhook test on the plugin vs pytest-httpserver canned ({count} tests, minus empty ones)",
        f"{costs['mock']:.1f} ms",
        f"{costs['canned']:.1f} ms",
        f"{ratio:.2f}x",
        "<= 1.0x",
        ratio <= 1.0,
    )


def growth_case(work: Path, users: int, rounds: int) -> None:
    """Issue 17, section 3: the per-test user and one user's reset at 10 users and at `users`."""
    import growth

    db = work / "growth.db"
    with running(start_mock(db)) as mock:
        figures = growth.measure(mock.url, db, users, rounds)
    for name, key in (
        ("per-test user (a 16th of a batch + reset)", "user"),
        ("reset of one user with records", "reset"),
    ):
        small, large = figures[f"{key}_small"], figures[f"{key}_large"]
        row(
            f"{name}, {users:,} users vs 10",
            f"{large:.2f} ms",
            f"(10) {small:.2f} ms",
            f"{large / small:.2f}x",
            "<= 1.2x",
            large / small <= 1.2,
        )
    per_user = figures["bytes_per_user"]
    row("database file per user made", f"{per_user:.0f} bytes", "", "", "<= 300 bytes", per_user <= 300)


async def memory_case(work: Path, seconds: float) -> None:
    receiver = Receiver()
    runner, hook_url = await receiver.serve()
    errors = 0
    with running(start_mock(work / "memory.db")) as mock:
        idle = mock.rss_mb()
        samples = []
        async with aiohttp.ClientSession(headers=AUTH) as session:

            async def post(path: str, body: Any = None) -> Any:
                nonlocal errors
                async with session.post(mock.url + path, json=body) as response:
                    if response.status >= 300:
                        errors += 1
                    return (await response.json()).get("data")

            actor, hook = await actor_with_webhook(post, hook_url)
            end = time.perf_counter() + seconds
            next_sample = time.perf_counter()
            n = 0
            while time.perf_counter() < end:
                n += 1
                await post(
                    "/v2/webhooks",
                    {
                        "eventTypes": ["ACTOR.RUN.FAILED"],
                        "condition": {"actorId": actor["id"]},
                        "requestUrl": hook_url,
                        "idempotencyKey": f"k{n % 5000}",
                    },
                )
                async with session.get(mock.url + "/v2/webhooks?limit=10&desc=1") as response:
                    await response.read()
                    errors += response.status != 200
                await post(f"/v2/webhooks/{hook['id']}/test")
                if n % 20 == 0:
                    await post(f"/v2/actors/{actor['id']}/runs")
                if time.perf_counter() >= next_sample:
                    samples.append(mock.rss_mb())
                    next_sample += max(seconds / 10, 1)
        samples.append(mock.rss_mb())
    await runner.cleanup()
    row("RSS idle", f"{idle:.1f} MB", "", "", "<= 60 MB", idle <= 60)
    row("mixed load: requests answered with an error", str(errors), "", "", "0", errors == 0)
    first_half = max(samples[: len(samples) // 2] or samples)
    growth = samples[-1] - first_half
    row(
        f"RSS under {seconds:.0f} s of mixed load ({n} rounds)",
        f"{samples[0]:.1f} -> {samples[-1]:.1f} MB (max {max(samples):.1f})",
        "",
        f"+{growth:.1f} MB over the 2nd half",
        "flat",
        growth <= 5,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="short cases (about 2 minutes)")
    parser.add_argument(
        "--cases",
        default="http,records,pages,stored,rss,delivery,startup,users,pertest,growth,datasets,memory",
        help="comma-separated subset to run",
    )
    args = parser.parse_args()
    chosen = set(args.cases.split(","))
    global WRK
    WRK = ensure_wrk()
    seconds = 3.0 if args.quick else 10.0
    with tempfile.TemporaryDirectory(prefix="mock-apify-bench-") as tmp:
        work = Path(tmp)
        if "http" in chosen:
            print("HTTP cases (wrk)...", flush=True)
            http_cases(work, seconds)
        if "records" in chosen:
            print("a 1 MiB record...", flush=True)
            record_case(work, seconds)
        if "pages" in chosen:
            print("dispatch pages at 10^2 and 10^6...", flush=True)
            dispatch_page_case(work, seconds)
        if "stored" in chosen:
            print("one webhook's reads at 10 and 10^5 dispatches...", flush=True)
            webhook_dispatches_case(work, seconds)
        if "rss" in chosen:
            print("RSS while reading 10^5 dataset items...", flush=True)
            dataset_rss_case(work)
        if "delivery" in chosen:
            print("deliveries...", flush=True)
            asyncio.run(delivery_cases(work, 100 if args.quick else 300))
        if "startup" in chosen:
            print("start-up...", flush=True)
            startup_case(work, 3 if args.quick else 7)
        if "users" in chosen:
            print("per-test users...", flush=True)
            fixture_user_case(work, 200)
        if "datasets" in chosen:
            print("datasets...", flush=True)
            asyncio.run(dataset_cases(work, 20 if args.quick else 100))
        if "pertest" in chosen:
            print("per-test cost against canned answers...", flush=True)
            per_test_case(work, 50 if args.quick else 200, 1 if args.quick else 3)
        if "growth" in chosen:
            print("a session's users: 10 against many...", flush=True)
            growth_case(work, 10_000 if args.quick else 100_000, 5 if args.quick else 20)
        if "memory" in chosen:
            print("memory...", flush=True)
            asyncio.run(memory_case(work, 30 if args.quick else 300))
    print()
    print_table()


WRK = "wrk"

if __name__ == "__main__":
    main()
