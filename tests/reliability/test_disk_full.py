"""A full disk, for real: the standalone process on a small tmpfs that a filler file fills up.
While it is full, writes answer Apify's error with the reason and the log says so once; once space
returns, writes and checkpoints resume by themselves (the WAL does not grow without end); SIGTERM
exits cleanly; a restart on a full disk serves the stored data; a new file on a full disk is one
clear line. Skipped where the test cannot mount a tmpfs (it needs root)."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from processes import call, get, start, start_fails, stop

FULL = "database or disk is full"
TEMPLATE = '{"padding": "' + "x" * 50_000 + '"}'  # a 50 KB row, so the disk fills in few writes


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}); the disk-full case needs root")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fill(disk: Path) -> Path:
    """Write a filler file until the disk is full."""
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        written = sum(_write(descriptor) for _ in range(10_000))
    finally:
        os.close(descriptor)
    assert written < 10_000, "the disk never filled"
    return filler


def _write(descriptor: int) -> int:
    """1 if a page was written, 0 once the disk is full."""
    try:
        os.write(descriptor, b"\0" * 4096)
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        return 0
    return 1


def webhook(url: str, actor_id: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    fields = {
        "eventTypes": ["ACTOR.RUN.SUCCEEDED"],
        "condition": {"actorId": actor_id},
        "requestUrl": "http://127.0.0.1:9/hook",
        "payloadTemplate": TEMPLATE,
    }
    return call("POST", f"{url}/v2/webhooks", fields)  # type: ignore[return-value]


def test_a_full_disk_is_reported_once_and_recovered_from(disk: Path) -> None:
    db = disk / "emulator.db"
    process, url, _ = start("--port", "0", "--db", str(db), "--no-seed", "--quiet")
    try:
        status, actor = call("POST", f"{url}/v2/actors", {"name": "full-disk"})
        assert status == 201, actor
        # A reader holding an old snapshot keeps the checkpoints from folding in these writes, so
        # the first checkpoint after it lets go needs the database file to grow on a full disk.
        reader = sqlite3.connect(db, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM webhooks").fetchone()
        answers = [webhook(url, actor["data"]["id"]) for _ in range(5)]
        assert [status for status, _ in answers] == [201] * 5
        filler = fill(disk)
        reader.execute("COMMIT")
        reader.close()
        time.sleep(1.2)  # two checkpoint ticks, both failing
        answers += [webhook(url, actor["data"]["id"]) for _ in range(20)]
        refused = [body for status, body in answers if status != 201]
        assert refused, "the disk never filled"
        for body in refused:
            assert body["error"]["type"] == "internal-server-error"
            assert FULL in body["error"]["message"] and "nothing was stored" in body["error"]["message"]
        stored = get(f"{url}/v2/webhooks")["data"]["total"]
        assert stored == len(answers) - len(refused)  # nothing refused was stored

        filler.unlink()
        # Far more than the disk holds goes through the WAL: only checkpoints that resumed make room.
        for _ in range(12):
            created = [webhook(url, actor["data"]["id"]) for _ in range(5)]
            assert [status for status, _ in created] == [201] * 5
            for _, body in created:
                assert call("DELETE", f"{url}/v2/webhooks/{body['data']['id']}")[0] == 204
            time.sleep(0.6)  # a checkpoint tick
        assert get(f"{url}/v2/webhooks")["data"]["total"] == stored
        fill(disk)  # full again at shutdown: the last checkpoint fails, the data stays in the WAL
    finally:
        _, err = stop(process, signal.SIGTERM)
    assert "Traceback" not in err
    assert err.count(f"writing to {db} failed: {FULL}") == 1, err
    assert err.count(f"writing to {db} works again") == 1, err
    assert err.count(f"checkpointing the WAL of {db} failed: {FULL}") == 1, err

    process, url, _ = start("--port", "0", "--db", str(db), "--no-seed", "--quiet")  # on a full disk
    try:
        assert get(f"{url}/v2/webhooks")["data"]["total"] == stored
    finally:
        stop(process, signal.SIGTERM)

    fresh = disk / "new.db"
    fill(disk)  # the clean shutdown above folded the WAL in and freed its space
    line = start_fails("--port", "0", "--db", str(fresh))
    assert line == f"mock-apify: cannot open the database file {fresh}: {FULL}"
