"""The npm package apify-client for tests: installed once per checkout into `.js-client/`
(gitignored) and run by Node.js against an emulator.

This needs Node.js and npm. Without them the tests that use it fail with a message saying so: a
skip would hide that the JavaScript path is not tested."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

NPM_INSTALL = ["install", "--no-save", "--no-audit", "--no-fund", "--prefer-offline"]

# Once per checkout, not per run (the suite runs without pytest's cache): gitignored.
JS_CLIENT_DIR = Path(__file__).resolve().parents[1] / ".js-client"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"`{name}` is not on PATH: this test runs the JavaScript apify-client and needs Node.js "
            "18+ with npm. Install them (https://nodejs.org) to run it.",
            pytrace=False,
        )
    return path


def installed(prefix: Path) -> bool:
    return (prefix / "node_modules" / "apify-client" / "package.json").is_file()


def install_js_client() -> Path:
    """`.js-client/` of the checkout, installed by the first run that needs it (into a folder
    beside it, then renamed, so an interrupted install leaves nothing half-made)."""
    tool("node")
    if installed(JS_CLIENT_DIR):
        return JS_CLIENT_DIR
    npm = tool("npm")
    staging = Path(tempfile.mkdtemp(prefix=".js-client-", dir=JS_CLIENT_DIR.parent))
    try:
        result = subprocess.run(
            [npm, *NPM_INSTALL, "--prefix", str(staging), "apify-client@2"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"npm install apify-client failed:\n{result.stderr[-3000:]}", pytrace=False)
        shutil.rmtree(JS_CLIENT_DIR, ignore_errors=True)  # an incomplete one
        try:
            staging.rename(JS_CLIENT_DIR)
        except OSError:  # another run got there first
            if not installed(JS_CLIENT_DIR):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return JS_CLIENT_DIR


def run_node(script: Path, js_client: Path, *args: str, timeout: float = 60) -> Any:
    """Run a Node.js script with the JS client on its module path: the JSON of its last line."""
    env = os.environ | {
        "NODE_PATH": str(js_client / "node_modules"),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    result = subprocess.run(
        [tool("node"), str(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
