"""The size rules of the package layout (docs/architecture.md): small modules and short functions,
so that a newcomer can read any one of them at a sitting. The OpenAPI document is not Python and
is exempt."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "mock_apify"
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 45  # "about 40": a signature and docstring may take a few lines more
MODULES = sorted(SOURCE.rglob("*.py"))


def test_the_package_is_found() -> None:
    assert len(MODULES) > 50


@pytest.mark.parametrize("module", MODULES, ids=lambda path: str(path.relative_to(SOURCE)))
def test_modules_and_functions_are_small(module: Path) -> None:
    text = module.read_text()
    assert text.count("\n") <= MAX_FILE_LINES, f"{module.name} has more than {MAX_FILE_LINES} lines"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"  # type: ignore[operator]
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES  # type: ignore[operator]
    ]
    assert long == [], f"{module.name}: functions over {MAX_FUNCTION_LINES} lines: {long}"
