"""The documentation runs, so it cannot drift from the code.

Every fenced block of README.md and docs/*.md is one of:

- `python`: a test file or a `conftest.py` (it defines `test_` functions or fixtures), run by
  `pytester` with the plugin as installed; otherwise a script, run against a live emulator.
- `sh`: shell commands. A command that starts the emulator is started for real on a free port,
  checked for its banner and health, and stopped with SIGTERM; the page's other commands run in
  order in one bash session against a live emulator, with curl failing on any error status.
- `json`, `text`: data and sample output, not run (the seed file example is loaded, though).

Every example names the emulator by its default address, `http://127.0.0.1:8765`; the tests put a
free port of 127.0.0.1 in its place and talk to nothing else. Needs curl and jq (the control API
examples use them).

Besides, the README stays short and links every page, links resolve, every operation of our
OpenAPI document is documented, and the source map of docs/architecture.md lists every file.
"""

from __future__ import annotations

import json
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tomllib
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import mock_apify
from mock_apify import Config
from mock_apify.config import DEFAULT_TOKEN, MEMORY_DB
from mock_apify.openapi import HTTP_METHODS, load_document
from mock_apify.threaded import ThreadedEmulator

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = REPO / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
DEFAULT_URL = "http://127.0.0.1:8765"
README_MAX_LINES = 120

# The clock each page's examples say their emulator runs on (docs/control-api.md says so).
VIRTUAL_CLOCK_PAGES = {"control-api.md", "dashboard.md"}

# Output the pages state in prose, which their commands must print.
STATED_OUTPUT = {
    "control-api.md": [
        '["SUCCEEDED",[500,500,200]]',
        '[[null,["timeout"]],[null,["timeout"]],[200,[]],[200,["duplicate"]]]',
    ]
}

# Commands that are not run here, and why. Nothing else may be left out.
_INDEX = "pip would fetch the dependencies from an index; tests/test_install.py installs from a path"
NOT_RUN = {
    "./scripts/test": "it is what runs this suite",
    "pip install -e '/path/to/mock-apify[client]'": _INDEX,
    "pip install 'mock-apify[client] @ git+file://localhost/path/to/mock-apify'": _INDEX,
}

# The install steps of the README's start command are not run again here: they need a package
# index, and these tests talk to 127.0.0.1 only. `./scripts/test`, which runs this suite, makes
# the same .venv with the same editable install first, which test_the_readme_install_steps_... checks.
SETUP_STEPS = ("python3 -m venv .venv", ".venv/bin/pip install -q -e '.[client]'")

_FENCE = re.compile(r"^```(\S*)\s*$")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_TIMEOUT = 120.0


@dataclass(frozen=True)
class Block:
    """A fenced code block: its page, the line of its opening fence, its language and text."""

    page: Path
    line: int
    lang: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"

    @property
    def is_pytest(self) -> bool:
        return bool(re.search(r"^(async )?def test_|^@pytest\.fixture", self.text, re.MULTILINE))


def _blocks(page: Path) -> list[Block]:
    lines = page.read_text().splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening:
            start, body = index, []
            index += 1
            while index < len(lines) and lines[index].rstrip() != "```":
                body.append(lines[index])
                index += 1
            assert index < len(lines), f"{page.name}:{start + 1}: the code block is never closed"
            found.append(Block(page, start + 1, opening.group(1), "\n".join(body) + "\n"))
        index += 1
    return found


ALL_BLOCKS = [block for page in PAGES for block in _blocks(page)]
PYTEST_BLOCKS = [b for b in ALL_BLOCKS if b.lang == "python" and b.is_pytest]
SCRIPT_BLOCKS = [b for b in ALL_BLOCKS if b.lang == "python" and not b.is_pytest]


@dataclass(frozen=True)
class Command:
    """One logical shell command (continuation lines joined) and the block it comes from."""

    block: Block
    text: str


def _commands(page: Path) -> list[Command]:
    commands = []
    for block in _blocks(page):
        if block.lang != "sh":
            continue
        logical = block.text.replace("\\\n", " ")
        for line in logical.splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                commands.append(Command(block, line.strip()))
    return commands


def _server_args(command: str) -> list[str] | None:
    """The arguments when `command` starts the emulator's server (not a subcommand), else None."""
    words = shlex.split(command)
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        words.pop(0)
    if words[:1] == [".venv/bin/mock-apify"]:
        args = words[1:]
    elif words[:3] == [".venv/bin/python", "-m", "mock_apify"]:
        args = words[3:]
    else:
        return None
    return None if args[:1] in (["render-template"], ["trigger"], ["check-receiver"]) else args


def _server_part(command: str) -> str | None:
    """The part of `command` that starts the server, after any install steps chained before it."""
    *steps, last = command.split(" && ")
    if _server_args(last) is None:
        return None
    assert all(step in SETUP_STEPS for step in steps), f"unknown steps before the server: {steps}"
    return last


SERVER_COMMANDS = [
    Command(c.block, part)
    for page in PAGES
    for c in _commands(page)
    if (part := _server_part(c.text)) is not None
]


def _session_commands(page: Path) -> list[Command]:
    return [c for c in _commands(page) if c.text not in NOT_RUN and _server_part(c.text) is None]


SESSION_PAGES = [page for page in PAGES if _session_commands(page)]


def _seed_example() -> str:
    """The seed file of docs/server.md, which the examples call `seed.json`."""
    [seed] = [b for b in _blocks(DOCS / "server.md") if b.lang == "json" and '"users"' in b.text]
    return seed.text


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A directory laid out as the examples expect a checkout: `.venv` (this environment),
    `fixtures/` (a copy, as `generate.py` rewrites it) and the `seed.json` of docs/server.md."""
    venv = Path(sys.prefix)
    assert (venv / "bin" / "mock-apify").exists(), f"run the tests from the project's .venv, not {venv}"
    (tmp_path / ".venv").symlink_to(venv, target_is_directory=True)
    shutil.copytree(REPO / "fixtures", tmp_path / "fixtures")
    (tmp_path / "seed.json").write_text(_seed_example())
    return tmp_path


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> Iterator[ThreadedEmulator]:
    page: Path = getattr(request, "param", README)
    clock = "virtual" if page.name in VIRTUAL_CLOCK_PAGES else "real"
    with ThreadedEmulator(Config(db=MEMORY_DB, port=0, no_seed=True, clock=clock)) as running:
        yield running


# --- the README -------------------------------------------------------------------------------


def test_the_readme_stays_short() -> None:
    lines = README.read_text().count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail into docs/"


def test_the_readme_links_every_docs_page() -> None:
    text = README.read_text()
    missing = [page.name for page in PAGES[1:] if f"](docs/{page.name})" not in text]
    assert not missing, f"README.md does not link {missing}"


def test_the_readme_install_steps_are_those_scripts_test_runs() -> None:
    """What the README's start command installs is what ./scripts/test installs before this runs."""
    [start] = [c.text for c in _commands(README) if " && " in c.text]
    assert start.split(" && ")[:-1] == list(SETUP_STEPS)
    script = (REPO / "scripts" / "test").read_text()
    assert "\npython3 -m venv .venv\n" in script
    assert re.search(r"^\.venv/bin/python -m pip install .*-e '\.\[test\]'$", script, re.MULTILINE)
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(extras["client"]) <= set(extras["test"]), "the test extra installs what `client` does"
    assert Path(mock_apify.__file__).resolve().is_relative_to(REPO / "src"), "not an editable install"


# What ./scripts/test needs besides Python, and what needs it.
TEST_TOOLS = {
    "Node.js 18+ with npm": "tests/examples/test_howto_js_client.py",
    "curl and jq": "tests/test_docs.py",
    "chromium and chromium-driver": "tests/test_dashboard_browser.py",
}


def test_the_readme_names_what_the_checks_need() -> None:
    """It said 'a machine with only Python 3.11+', and ./scripts/test failed without Node.js."""
    text = " ".join(README.read_text().split())
    missing = [tool for tool in TEST_TOOLS if tool not in text]
    assert not missing, f"README.md does not say ./scripts/test needs {missing}"
    assert "only Python" not in text


def test_ci_runs_the_readme_test_command() -> None:
    assert "./scripts/test" in [c.text for c in _commands(README)]
    assert (REPO / ".ci" / "run").read_text().rstrip().endswith("\n./scripts/test")


# --- the examples run -------------------------------------------------------------------------


def test_code_blocks_are_of_known_kinds() -> None:
    odd = [
        f"{b.where} ({b.lang or 'no language'})"
        for b in ALL_BLOCKS
        if b.lang not in {"python", "sh", "json", "text"}
    ]
    assert not odd, f"code blocks that would be neither run nor read as data: {odd}"


@pytest.mark.parametrize("block", [b for b in ALL_BLOCKS if b.lang == "json"], ids=lambda b: str(b.where))
def test_json_blocks_parse(block: Block) -> None:
    json.loads(block.text)


@pytest.mark.parametrize("block", PYTEST_BLOCKS, ids=[b.where for b in PYTEST_BLOCKS])
def test_pytest_example_passes(block: Block, pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    (pytester.path / "seed.json").write_text(_seed_example())
    tests = len(re.findall(r"^(?:async )?def test_", block.text, re.MULTILINE))
    if tests:
        pytester.makepyfile(**{f"test_docs_{block.line}": block.text})
    else:  # fixtures only: a conftest.py, used by a test of ours
        pytester.makeconftest(block.text)
        pytester.makepyfile(
            test_uses_the_conftest="def test_it(mock_apify):\n    assert mock_apify.clock()['mode']\n"
        )
        tests = 1
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=tests)


@pytest.mark.parametrize("block", SCRIPT_BLOCKS, ids=[b.where for b in SCRIPT_BLOCKS])
def test_python_example_runs(block: Block, emulator: ThreadedEmulator, workdir: Path) -> None:
    code = block.text.replace(DEFAULT_URL, emulator.url)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=workdir, capture_output=True, text=True, timeout=_TIMEOUT
    )
    assert result.returncode == 0, f"{block.where}:\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize(
    ("page", "emulator"),
    [(page, page) for page in SESSION_PAGES],
    ids=[page.name for page in SESSION_PAGES],
    indirect=["emulator"],
)
def test_shell_commands_run(page: Path, emulator: ThreadedEmulator, workdir: Path) -> None:
    script = "\n".join(
        [
            "set -euo pipefail",
            # An error status fails the command, as it would fail the reader.
            'curl() { command curl --silent --show-error --fail-with-body --max-time 30 "$@"; }',
            "trap 'echo \"failed: $BASH_COMMAND\" >&2' ERR",
            *(c.text.replace(DEFAULT_URL, emulator.url) for c in _session_commands(page)),
        ]
    )
    result = subprocess.run(
        ["bash", "-c", script], cwd=workdir, capture_output=True, text=True, timeout=_TIMEOUT
    )
    assert result.returncode == 0, f"{page.name}:\n{result.stdout}\n{result.stderr}"
    for line in STATED_OUTPUT.get(page.name, []):
        assert line in result.stdout, f"{page.name} says its commands print {line}"


def _banner(process: subprocess.Popen[bytes], seconds: float) -> list[str]:
    """The three lines the emulator prints once it listens (read unbuffered, with a time limit)."""
    assert process.stdout is not None
    fd, received = process.stdout.fileno(), b""
    while received.count(b"\n") < 3:
        ready, _, _ = select.select([fd], [], [], seconds)
        chunk = os.read(fd, 4096) if ready else b""
        assert chunk, f"the emulator printed no banner: {received!r}"
        received += chunk
    return received.decode().splitlines()[:3]


@pytest.mark.parametrize("command", SERVER_COMMANDS, ids=[c.block.where for c in SERVER_COMMANDS])
def test_server_command_starts_serves_and_stops(command: Command, workdir: Path) -> None:
    """Started as written, but on a free port (`--port 0`, or MOCK_APIFY_PORT=0 when the command
    sets no port), in a directory of its own."""
    text = re.sub(r"MOCK_APIFY_PORT=\S+", "MOCK_APIFY_PORT=0", command.text)
    process, banner = _start_as_written(text, workdir)
    try:
        assert banner[0].startswith("mock-apify listening on http://127.0.0.1:"), banner
        assert DEFAULT_TOKEN in banner[1]
        url = banner[0].split()[-1]
        with urllib.request.urlopen(f"{url}/_mock/health", timeout=10) as response:
            assert json.loads(response.read())["data"]["status"] == "ok"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, f"{command.block.where}: {command.text}\n{out!r}\n{err!r}"
    assert b"mock-apify stopped" in out


def _start_as_written(command: str, workdir: Path) -> tuple[subprocess.Popen[bytes], list[str]]:
    """`command` started in `workdir` on a free port; the process and its start-up lines."""
    text = re.sub(r"--port \S+", "--port 0", command)
    process = subprocess.Popen(
        ["bash", "-c", text],
        cwd=workdir,
        env={**os.environ, "MOCK_APIFY_PORT": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        return process, _banner(process, 60.0)
    except BaseException:
        _stop(process)
        raise


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.communicate(timeout=30)


README_START = next(c for c in SERVER_COMMANDS if c.block.page == README)
README_SCRIPTS = [b for b in SCRIPT_BLOCKS if b.page == README]


def test_the_readme_snippets_run_twice_against_the_started_emulator(workdir: Path) -> None:
    """As a reader runs them: the README's start command in one terminal, with its database file,
    and each Python snippet in a second one, twice; then the emulator restarted on the same file,
    and each snippet once more. They print the same each time."""
    assert README_SCRIPTS, "the README has a Python snippet"
    outputs: dict[str, list[str]] = {block.where: [] for block in README_SCRIPTS}
    for runs in (2, 1):
        process, banner = _start_as_written(README_START.text, workdir)
        url = banner[0].split()[-1]
        try:
            for block, _ in [(b, n) for b in README_SCRIPTS for n in range(runs)]:
                result = subprocess.run(
                    [sys.executable, "-c", block.text.replace(DEFAULT_URL, url)],
                    cwd=workdir,
                    capture_output=True,
                    text=True,
                    timeout=_TIMEOUT,
                )
                assert result.returncode == 0, f"{block.where}:\n{result.stdout}\n{result.stderr}"
                outputs[block.where].append(result.stdout)
        finally:
            _stop(process)
    assert (workdir / "mock-apify.db").exists(), "the start command keeps its database in a file"
    assert all(len(set(printed)) == 1 for printed in outputs.values()), outputs


# --- the pages hold together ------------------------------------------------------------------


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    headings = re.findall(r"^#+ (.+)$", page.read_text(), re.MULTILINE)
    return {_slug(heading) for heading in headings}


def test_links_resolve_inside_the_repository() -> None:
    broken = []
    for page in PAGES:
        for target in _LINK.findall(page.read_text()):
            if re.match(r"[a-z]+://", target):
                continue
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            if not resolved.is_relative_to(REPO) or not resolved.exists():
                broken.append(f"{page.name}: {target}")
            elif anchor and (resolved.suffix != ".md" or anchor not in _anchors(resolved)):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, broken


def test_every_operation_of_the_document_is_documented() -> None:
    served = (DOCS / "emulation.md").read_text()
    control = (DOCS / "control-api.md").read_text()
    missing = []
    for path, operations in load_document()["paths"].items():
        if path.startswith("/_mock"):
            missing += [
                f"{m.upper()} {path}"
                for m in operations
                if m in HTTP_METHODS and f"### `{m.upper()} {path}`" not in control
            ]
        elif f"| `{path}` |" not in served:
            missing.append(path)
    assert not missing, f"not in docs/emulation.md or docs/control-api.md: {missing}"


def _source_map() -> set[str]:
    """The paths the tree of docs/architecture.md lists, relative to src/mock_apify."""
    [tree] = [b for b in _blocks(DOCS / "architecture.md") if b.text.startswith("src/mock_apify/")]
    listed: set[str] = set()
    parents: list[str] = []
    for line in tree.text.splitlines()[1:]:
        depth = (len(line) - len(line.lstrip())) // 2 - 1
        name = line.split()[0]
        del parents[depth:]
        listed.add("/".join([*parents, name.rstrip("/")]))
        if name.endswith("/"):
            parents.append(name.rstrip("/"))
    return listed


def test_the_source_map_lists_every_file() -> None:
    root = REPO / "src" / "mock_apify"
    files = {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    listed = _source_map()
    assert files - listed == set(), "files missing from the source map of docs/architecture.md"
    dirs = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir() and p.name != "__pycache__"}
    assert listed - files - dirs == set(), "the source map lists files that do not exist"
