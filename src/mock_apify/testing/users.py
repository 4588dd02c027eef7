"""The users of one emulator, one per test, handed out by the pytest plugin."""

from __future__ import annotations

from .client import Call, MockApifyError, Record, Transport
from .operations import Op, drive

#: Users made ahead in one request: a test's setup then costs no request at all, most times.
AHEAD = 16


class UserPool:
    """Creates the users of one emulator: a fresh one per test, made `ahead` at a time (one
    POST /_mock/users/batch; a user nobody has used has no records), or, for a test that names
    its user, that user again once an earlier test with the name has ended (the emulator never
    deletes users, and usernames are unique)."""

    def __init__(self, base_url: str, ahead: int = AHEAD) -> None:
        self._transport = Transport(base_url)
        self._ahead = ahead
        self._fresh: list[Record] = []
        self._free: dict[str, Record] = {}

    def take(self, username: str | None = None) -> Record:
        """A user (`id`, `username`, `token`) for one test."""
        if username is not None and username in self._free:
            return self._free.pop(username)
        if username is not None or self._ahead == 1:
            return drive(_new_user(username), self._transport.send)
        if not self._fresh:
            self._fresh = drive(_new_users(self._ahead), self._transport.send)[::-1]
        return self._fresh.pop()

    def give_back(self, user: Record, named: bool) -> None:
        """Keep a named user for the next test that asks for the name (its records are gone)."""
        if named:
            self._free[str(user["username"])] = user

    def forget(self) -> None:
        """Drop the users kept (made ahead, or named): a full reset of the emulator deleted them."""
        self._fresh.clear()
        self._free.clear()


def _new_users(count: int) -> Op[list[Record]]:
    answer = yield Call("POST", "/_mock/users/batch", {"count": count})
    users: list[Record] = answer["data"]["items"]
    return users


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
