"""Tokens to users: `Authorization: Bearer <token>` or `?token=<token>`, as Apify accepts both."""

from __future__ import annotations

from aiohttp import web

from .errors import TokenNotProvided, UserOrTokenNotFound
from .storage import Storage, User


def request_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query.get("token") or None


def authenticate(storage: Storage, request: web.Request) -> User:
    token = request_token(request)
    if token is None:
        raise TokenNotProvided
    user = storage.user_by_token(token)
    if user is None:
        raise UserOrTokenNotFound
    return user
