"""The users of one emulator, one per test, handed out by the pytest plugin."""

from __future__ import annotations

from .client import Call, MockApifyError, Record, Transport
from .operations import Op, drive


class UserPool:
    """Creates the users of one emulator: a fresh one per test (one POST /_mock/users), or, for a
    test that names its user, that user again once an earlier test with the name has ended (the
    emulator never deletes users, and usernames are unique)."""

    def __init__(self, base_url: str) -> None:
        self._transport = Transport(base_url)
        self._free: dict[str, Record] = {}

    def take(self, username: str | None = None) -> Record:
        """A user (`id`, `username`, `token`) for one test."""
        if username is not None and username in self._free:
            return self._free.pop(username)
        return drive(_new_user(username), self._transport.send)

    def give_back(self, user: Record, named: bool) -> None:
        """Keep a named user for the next test that asks for the name (its records are gone)."""
        if named:
            self._free[str(user["username"])] = user


def _new_user(username: str | None) -> Op[Record]:
    try:
        answer = yield Call("POST", "/_mock/users", {"username": username})
    except MockApifyError as error:
        if error.type != "username-already-taken":
            raise
        raise MockApifyError(
            error.method,
            error.path,
            error.status,
            error.type,
            f"the username {username!r} is taken by a user still in use, or created outside "
            "the mock_apify fixture (usernames are emulator-wide)",
        ) from None
    user: Record = answer["data"]
    return user
