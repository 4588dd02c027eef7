"""A project of one's own installs mock-apify as docs/pytest.md's "Use it in your project" says,
from a path (editable) and from a git URL (`git+file://localhost/<this checkout>`, so what HEAD
holds: this needs a git checkout), and its tests get the plugin: sync tests at once, async tests
with pytest-asyncio and `asyncio_mode = "auto"`, and without that the errors the page quotes.

Offline: a virtual environment of its own gets mock-apify by the page's `pip install`, with
`--no-deps --no-build-isolation`. What would come from an index (the dependencies,
pytest-asyncio, the build backend hatchling) comes from this .venv's site-packages, seen through
a .pth file, without this .venv's own install of mock-apify, so the plugin is found only through
the new install."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_TIMEOUT = 300

USER_TESTS = """
def test_sync(mock_apify):
    actor = mock_apify.add_actor("crawler")
    assert mock_apify.client().actor(actor["id"]).get().name == "crawler"


async def test_async(mock_apify_app):
    actor = await mock_apify_app.add_actor("crawler")
    assert actor["name"] == "crawler"
"""

# The pytest configuration docs/pytest.md gives for async tests, as the page has it.
[USER_CONFIG] = re.findall(
    r"^```text\n(\[tool\.pytest\.ini_options\]\n.*?)^```$",
    (REPO / "docs" / "pytest.md").read_text(),
    re.MULTILINE | re.DOTALL,
)


def _ours(name: str) -> bool:
    """This .venv's install of mock-apify, and the .pth files that would put it on the path."""
    return "mock_apify" in name or name.endswith(".pth")


def _run(args: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "PIP_"))}
    env["PIP_NO_INDEX"] = "1"  # nothing from an index
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=_TIMEOUT
    )


# The install commands of docs/pytest.md, for this checkout: from its path (editable), and from
# its git URL (what HEAD holds).
[INSTALLS] = re.findall(
    r"^```sh\n(pip install -e .*?)^```$", (REPO / "docs" / "pytest.md").read_text(), re.MULTILINE | re.DOTALL
)
INSTALL_ARGS = [
    shlex.split(line.replace("/path/to/mock-apify", str(REPO)))[2:] for line in INSTALLS.splitlines()
]


@pytest.fixture(scope="module", params=INSTALL_ARGS, ids=["path", "git"])
def user_python(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh venv where mock-apify is installed as docs/pytest.md says."""
    root = tmp_path_factory.mktemp("user-env")
    deps = root / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not _ours(entry.name):
            (deps / entry.name).symlink_to(entry)
    venv = root / "venv"
    created = _run([sys.executable, "-m", "venv", "--without-pip", venv], root)
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root)
    (Path(site.stdout.strip()) / "deps.pth").write_text(f"{deps}\n")
    install = [python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
    installed = _run([*install, *request.param], root)
    assert installed.returncode == 0, installed.stderr
    return python


def _user_project(tmp_path: Path, config: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "my-project"\nversion = "0"\n\n{config}')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_with_mock_apify.py").write_text(USER_TESTS)
    return tmp_path


def test_the_install_is_what_the_user_project_imports(
    user_python: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    code = "import importlib.metadata as m, mock_apify; print(mock_apify.__file__); print(m.distribution('mock-apify').locate_file(''))"
    result = _run([user_python, "-c", code], tmp_path)
    assert result.returncode == 0, result.stderr
    module, dist = result.stdout.splitlines()
    venv = user_python.parents[1]
    assert Path(dist).is_relative_to(venv)  # installed in the user's venv
    # Editable: the checkout's source; from git: a copy in the venv.
    editable = "-e" in request.node.callspec.params["user_python"]
    assert Path(module).is_relative_to(REPO / "src" if editable else venv)


def test_the_install_ships_the_dashboard_templates_and_static_files(
    user_python: Path, tmp_path: Path
) -> None:
    code = (
        "from importlib import resources; ui = resources.files('mock_apify.api.ui');"
        " print(*sorted(f.name for d in ('templates', 'static') for f in ui.joinpath(d).iterdir()))"
    )
    result = _run([user_python, "-c", code], tmp_path)
    assert result.returncode == 0, result.stderr
    ours = REPO / "src" / "mock_apify" / "api" / "ui"
    expected = sorted(f.name for d in ("templates", "static") for f in (ours / d).iterdir())
    assert result.stdout.split() == expected


def test_a_user_project_runs_sync_and_async_tests_with_the_plugin(user_python: Path, tmp_path: Path) -> None:
    project = _user_project(tmp_path, USER_CONFIG)
    result = _run([user_python, "-m", "pytest", "-p", "no:cacheprovider", "-q"], project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


@pytest.mark.parametrize(
    ("options", "outcome", "message"),
    [
        # No asyncio plugin at all: the error at setup the new user saw.
        (
            ["-p", "no:asyncio", "-p", "no:aiohttp"],
            "1 passed, 1 error",
            "requested an async fixture 'mock_apify_app', with no plugin or hook that handled it",
        ),
        # pytest-asyncio, in its default strict mode.
        ([], "1 failed, 1 passed", "async def functions are not natively supported"),
    ],
    ids=["no-asyncio-plugin", "strict-mode"],
)
def test_without_the_async_configuration_async_tests_fail_as_the_page_says(
    user_python: Path, tmp_path: Path, options: list[str], outcome: str, message: str
) -> None:
    """Without the lines of docs/pytest.md, the async test fails with pytest's generic message,
    which names neither mock-apify nor the setting; the page quotes it, so a search finds it."""
    project = _user_project(tmp_path, "")
    result = _run([user_python, "-m", "pytest", "-p", "no:cacheprovider", *options], project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert outcome in result.stdout and message in result.stdout, result.stdout
    page = " ".join((REPO / "docs" / "pytest.md").read_text().split())
    assert message in page
    assert 'asyncio_mode = "auto"' in page
