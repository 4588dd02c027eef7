"""The WAL file deleted under a running emulator (a clean-up script, a careless `rm *-wal`):
writes acknowledged afterwards survive a SIGKILL that follows at once, and the log says loudly
what happened."""

from __future__ import annotations

import signal
from pathlib import Path

from processes import call, get, start, stop

WRITES = 200


def webhook_fields(actor_id: str, n: int) -> dict[str, object]:
    return {
        "eventTypes": ["ACTOR.RUN.SUCCEEDED"],
        "condition": {"actorId": actor_id},
        "requestUrl": f"http://127.0.0.1:9/hook/{n}",
    }


def test_writes_after_the_wal_is_deleted_survive_a_kill(tmp_path: Path) -> None:
    db = tmp_path / "emulator.db"
    env = {"MOCK_APIFY_MAX_WEBHOOKS_PER_USER": str(WRITES + 1)}
    process, url, _ = start("--port", "0", "--db", str(db), "--no-seed", "--quiet", env=env)
    try:
        status, actor = call("POST", f"{url}/v2/actors", {"name": "wal"})
        assert status == 201, actor
        wal = Path(f"{db}-wal")
        assert wal.exists()
        wal.unlink()
        acknowledged = set()
        for n in range(WRITES):
            status, body = call("POST", f"{url}/v2/webhooks", webhook_fields(actor["data"]["id"], n))
            assert status == 201, body
            acknowledged.add(body["data"]["id"])
    finally:
        process.send_signal(signal.SIGKILL)
        _, err = process.communicate(timeout=20)
    assert err.count(f"the WAL file {db}-wal was deleted while mock-apify was running") == 1, err

    process, url, _ = start("--port", "0", "--db", str(db), "--no-seed", "--quiet")
    try:
        stored = get(f"{url}/v2/webhooks?limit={WRITES + 10}")["data"]["items"]
    finally:
        stop(process, signal.SIGTERM)
    assert {item["id"] for item in stored} == acknowledged
