"""Every error at start-up is one line on stderr naming the thing and the way out, exit status 2:
never a traceback, never aiohttp's "Unclosed client session" warning."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from processes import start_fails


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    """Read-only even for root (chattr +i); skipped where the file system does not allow it."""
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        if os.geteuid() == 0:
            pytest.skip("root ignores file modes and chattr +i is not available here")
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        path.chmod(0o755 if path.is_dir() else 0o644)


def test_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = start_fails("--port", str(port), "--db", ":memory:")
    assert line == (
        f"mock-apify: cannot listen on 127.0.0.1:{port}: address already in use"
        " (use --port 0 for a free port)"
    )


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_port_out_of_range(port: str) -> None:
    line = start_fails("--port", port, "--db", ":memory:")
    assert line == f"mock-apify: port must be from 0 to 65535 (0 picks a free one), not {port}"


def test_host_that_is_no_address() -> None:
    line = start_fails("--host", "999.1.1.1", "--port", "0", "--db", ":memory:")
    assert line.startswith("mock-apify: cannot listen on 999.1.1.1:0: "), line
    assert line.endswith("(--host takes an IP address or a name this machine resolves)"), line


def test_host_of_another_machine() -> None:
    line = start_fails("--host", "192.0.2.1", "--port", "0", "--db", ":memory:")  # TEST-NET-1
    assert line == (
        "mock-apify: cannot listen on 192.0.2.1:0: no interface of this machine has that address"
        " (use --host 127.0.0.1)"
    )


def test_db_is_a_folder(tmp_path: Path) -> None:
    line = start_fails("--port", "0", "--db", str(tmp_path))
    assert line == (
        f"mock-apify: cannot open the database file {tmp_path}: it is a folder"
        " (give --db a file path, or :memory:)"
    )


def test_db_in_a_missing_folder(tmp_path: Path) -> None:
    db = tmp_path / "missing" / "x.db"
    line = start_fails("--port", "0", "--db", str(db))
    assert line == (
        f"mock-apify: cannot open the database file {db}: the folder {db.parent} does not exist"
        " (create it, or give --db another path)"
    )


def test_db_in_an_unwritable_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    db = folder / "x.db"
    with immutable(folder):
        line = start_fails("--port", "0", "--db", str(db))
    assert line == (
        f"mock-apify: cannot open the database file {db}: cannot create a file in {folder}"
        " (give --db a path in a writable folder)"
    )
    assert not db.exists()


def test_db_that_is_not_a_database(tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"
    db.write_bytes(b"my notes, not a database\n" * 200)
    line = start_fails("--port", "0", "--db", str(db))
    assert line == (
        f"mock-apify: cannot open the database file {db}: file is not a database"
        " (give --db another path; mock-apify does not overwrite other files)"
    )
    assert db.read_bytes() == b"my notes, not a database\n" * 200


def test_read_only_db(tmp_path: Path) -> None:
    db = tmp_path / "ro.db"
    sqlite3.connect(db).close()
    with immutable(db):
        line = start_fails("--port", "0", "--db", str(db))
    assert line == (
        f"mock-apify: cannot open the database file {db}: the file is read-only"
        " (make it writable, or give --db another path)"
    )


def test_seed_that_is_a_binary_file(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_bytes(bytes(range(128, 256)) * 4)
    line = start_fails("--port", "0", "--db", ":memory:", "--seed", str(seed))
    assert line == f"mock-apify: {seed}: not a seed file: it is not UTF-8 text (a seed file is JSON)"


def test_seed_that_is_missing(tmp_path: Path) -> None:
    seed = tmp_path / "nope.json"
    line = start_fails("--port", "0", "--db", ":memory:", "--seed", str(seed))
    assert line == f"mock-apify: {seed}: cannot read seed file: No such file or directory"
