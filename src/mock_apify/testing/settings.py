"""Per-test settings of the pytest plugin, from `@pytest.mark.mock_apify(...)`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Settings:
    """Per-test settings, from `@pytest.mark.mock_apify(...)`; every one is honoured per user, so
    the session emulator serves them without a restart."""

    #: Username of the test's user (default: generated). Usernames are emulator-wide, so a test
    #: that names one gets the user back from a pool once the previous holder's test has ended.
    username: str | None = None
    #: Actor names to create before the test; the records are in `mock_apify.actors[name]`.
    actors: tuple[str, ...] = ()
    #: Tasks to create before the test: Actor name → task names (the Actor is created if needed).
    tasks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: A seed file (the server's format) to load with `load_seed`; relative to the test file.
    seed_file: Path | None = None
    #: The seed of the test's Faker (default: derived from the test's node id, so runs repeat).
    faker_seed: int | None = None
    #: Outbound chaos rules for the user's dispatches, as `MockApify.chaos(**rule)` takes them.
    chaos: tuple[Mapping[str, Any], ...] = ()
    #: Inbound faults for the user's API calls, as `MockApify.fault(**fault)` takes them.
    faults: tuple[Mapping[str, Any], ...] = ()
    #: Enforce Apify's per-resource rate limits on the user's requests.
    rate_limit: bool = False

    FIELDS = ("username", "actors", "tasks", "seed_file", "faker_seed", "chaos", "faults", "rate_limit")

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any], base_dir: Path | None = None) -> Settings:
        unknown = sorted(set(kwargs) - set(cls.FIELDS))
        if unknown:
            raise TypeError(f"unknown mock_apify setting(s) {unknown}; known: {list(cls.FIELDS)}")
        username = kwargs.get("username")
        if username is not None and not isinstance(username, str):
            raise TypeError(f"mock_apify username must be a string, not {username!r}")
        actors = kwargs.get("actors") or ()
        if isinstance(actors, str):
            actors = (actors,)
        tasks_arg = kwargs.get("tasks") or {}
        if not isinstance(tasks_arg, Mapping):
            raise TypeError("mock_apify tasks must map an Actor name to a list of task names")
        tasks = {
            str(actor): ((names,) if isinstance(names, str) else tuple(str(n) for n in names))
            for actor, names in tasks_arg.items()
        }
        seed_file = kwargs.get("seed_file")
        if seed_file is not None:
            seed_file = Path(seed_file)
            if base_dir is not None and not seed_file.is_absolute():
                seed_file = base_dir / seed_file
        faker_seed = kwargs.get("faker_seed")
        if faker_seed is not None and not isinstance(faker_seed, int):
            raise TypeError(f"mock_apify faker_seed must be an int, not {faker_seed!r}")
        rate_limit = kwargs.get("rate_limit", False)
        if not isinstance(rate_limit, bool):
            raise TypeError(f"mock_apify rate_limit must be True or False, not {rate_limit!r}")
        chaos, faults = _mappings(kwargs, "chaos"), _mappings(kwargs, "faults")
        actor_names = tuple(str(a) for a in actors)
        return cls(username, actor_names, tasks, seed_file, faker_seed, chaos, faults, rate_limit)


def _mappings(kwargs: Mapping[str, Any], name: str) -> tuple[Mapping[str, Any], ...]:
    """One mapping or a list of them (e.g. `chaos={"duplicate": True}`)."""
    given = kwargs.get(name) or ()
    items = (given,) if isinstance(given, Mapping) else tuple(given)
    if not all(isinstance(item, Mapping) for item in items):
        raise TypeError(f"mock_apify {name} must be a dict or a list of dicts, not {given!r}")
    return items
