"""Outbound chaos rules (`/_mock/chaos`): checked, tied to the user they affect, and kept by the
engine's `Chaos`, which applies them to new dispatches."""

from __future__ import annotations

from typing import Any

from ..engine.chaos import Chaos
from ..errors import RecordNotFound, SchemaValidation
from ..model import chaos
from ..model.types import Record
from ..openapi import Document
from ..store import Storage


class ChaosService:
    def __init__(self, storage: Storage, rules: Chaos) -> None:
        self._storage = storage
        self._rules = rules

    def add(self, body: dict[str, Any]) -> Record:
        """A new rule; 400 when it injects nothing or is inconsistent, 404 for an unknown user or
        webhook. It remembers its owner, so wiping a user drops the rules of its webhooks too."""
        chaos.check_rule(body)
        owner = body.get("userId")
        if owner is not None and self._storage.users.by_id(owner) is None:
            raise RecordNotFound("User was not found")
        if body.get("webhookId") is not None:
            owner = self._storage.webhooks.owner(body["webhookId"])
            if owner is None:
                raise RecordNotFound("Webhook was not found")
        return self._rules.add(body | ({"ownerId": owner} if owner else {}))

    def rules(self, user_id: str | None = None) -> list[Record]:
        """Every rule, or those of one user (its own and its webhooks')."""
        return [rule for rule in self._rules.rules() if user_id is None or rule.get("ownerId") == user_id]

    def remove(self, rule_id: str) -> None:
        if not self._rules.remove(rule_id):
            raise RecordNotFound("Chaos rule was not found")


def checked_rule(document: Document, rule: dict[str, Any]) -> dict[str, Any]:
    """A rule given outside the API (CLI flags, Config), checked as `POST /_mock/chaos` checks its
    body; `SchemaValidation` names the problem."""
    problem = document.schema("MockChaosRule").first_error(rule)
    if problem is not None:
        raise SchemaValidation(problem)
    chaos.check_rule(rule)
    return rule
