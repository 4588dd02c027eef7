"""Users and their tokens, and wiping users' records (every per-user table)."""

from __future__ import annotations

from ..model.types import User
from .db import Database
from .schema import USER_TABLES


class Users:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._by_token: dict[str, User] = {}  # users change rarely and are read on every request
        db.on_forget(self._by_token.clear)

    def add(self, user: User, created_at: str) -> bool:
        """Insert a user; False when the id, username or token is already taken."""
        with self._db.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO users (id, username, token, created_at) VALUES (?, ?, ?, ?)",
                (user.id, user.username, user.token, created_at),
            )
        return cursor.rowcount == 1

    def by_token(self, token: str) -> User | None:
        user = self._by_token.get(token)
        if user is None:
            row = self._db.conn.execute(
                "SELECT id, username, token FROM users WHERE token = ?", (token,)
            ).fetchone()
            if row is None:
                return None
            user = self._by_token[token] = User(*row)
        return user

    def by_id(self, user_id: str) -> User | None:
        row = self._db.conn.execute(
            "SELECT id, username, token FROM users WHERE id = ?", (user_id,)
        ).fetchone()
        return User(*row) if row else None

    def by_id_or_username(self, key: str) -> tuple[User, str] | None:
        """A user and when it was made, found by its id or its username."""
        row = self._db.conn.execute(
            "SELECT id, username, token, created_at FROM users WHERE id = ? OR username = ?", (key, key)
        ).fetchone()
        return (User(*row[:3]), row[3]) if row else None

    def wipe_all(self) -> None:
        self._db.forget_caches()
        with self._db.transaction() as db:
            for table in (
                *USER_TABLES,
                "datasets",
                "dataset_items",
                "kv_records",
                "users",
                "inboxes",
                "inbox_messages",
            ):
                db.execute(f"DELETE FROM {table}")

    def wipe_user(self, user_id: str) -> None:
        """Delete a user's records; the user and its token stay valid."""
        with self._db.transaction() as db:
            db.execute(
                "DELETE FROM dataset_items WHERE dataset_id IN (SELECT id FROM datasets WHERE user_id = ?)",
                (user_id,),
            )
            db.execute(
                "DELETE FROM kv_records WHERE store_id IN (SELECT id FROM kv_stores WHERE user_id = ?)",
                (user_id,),
            )
            for table in (*USER_TABLES, "datasets"):
                db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
            db.execute("UPDATE users SET dispatch_count = 0 WHERE id = ?", (user_id,))
        self._db.forget_caches()  # the user's webhook count is recounted (once) on its next use
