"""Users and tokens: who a request is, per-test users, and wiping one user's records."""

from __future__ import annotations

from ..clock import Clock
from ..errors import RecordNotFound, TokenNotProvided, UsernameTaken, UserOrTokenNotFound
from ..ids import new_id, new_token
from ..model.types import User
from ..store import Storage


class Accounts:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    def authenticate(self, token: str | None) -> User:
        if token is None:
            raise TokenNotProvided
        user = self._storage.users.by_token(token)
        if user is None:
            raise UserOrTokenNotFound
        return user

    def create(self, username: str | None) -> User:
        user_id = new_id()
        user = User(user_id, username or f"user-{user_id.lower()}", new_token())
        if not self._storage.users.add(user, self._clock.now_iso()):
            raise UsernameTaken(f"The username '{user.username}' is already taken.")
        return user

    def get(self, user_id: str) -> User:
        user = self._storage.users.by_id(user_id)
        if user is None:
            raise RecordNotFound("User was not found")
        return user

    def profile(self, key: str) -> tuple[User, str]:
        """A user found by id or username, and when it was made; 404 as Apify's answer."""
        found = self._storage.users.by_id_or_username(key)
        if found is None:
            raise RecordNotFound("User was not found")
        return found

    def wipe(self, user_id: str) -> None:
        """Delete a user's records; the user and its token stay valid."""
        self._storage.users.wipe_user(self.get(user_id).id)
