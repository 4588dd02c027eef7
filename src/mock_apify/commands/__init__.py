"""The `mock-apify` subcommands that drive an emulator as a client would: `trigger` (one realistic
delivery now) and `check-receiver` (a conformance run against a user's endpoint). They talk to the
emulator over HTTP through the pytest handle, so every delivery goes through its own dispatcher:
the same templates, headers and retry policy as any other dispatch."""

from __future__ import annotations

import importlib


def main(command: str, argv: list[str]) -> int:
    """Run `trigger` or `check-receiver` with its arguments; the exit status."""
    module = importlib.import_module(f".{command.replace('-', '_')}", __name__)
    status: int = module.main(argv)
    return status
