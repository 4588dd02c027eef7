"""Webhooks: the one way a webhook is made (API, ad-hoc on a run start, seed file), updated and
deleted, with the per-user limit and idempotency keys."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from ..clock import Clock
from ..config import Config
from ..errors import InvalidParameter, RecordNotFound, SchemaValidation, TooManyWebhooks
from ..model import limits, records, shapes
from ..model.paging import PageRequest
from ..model.types import Page, Record
from ..openapi import Document
from ..store import IdempotencyKeyTaken, Storage, WebhookLimitReached
from .catalog import Catalog


class WebhookService:
    def __init__(
        self, storage: Storage, clock: Clock, config: Config, catalog: Catalog, document: Document
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._limit = config.max_webhooks_per_user
        self._catalog = catalog
        self._document = document

    def create(self, user_id: str, body: dict[str, Any], webhook_id: str | None = None) -> Record:
        """A new webhook from a validated body; a repeated idempotency key gives the webhook that
        key made (answered 201 like a create: Apify's reference leaves the answer open)."""
        webhook = records.new_webhook(body, user_id, self._clock.now_iso())
        if webhook_id is not None:  # a seed file gives its own IDs
            webhook["id"] = webhook_id
        self._catalog.check_target(user_id, webhook["condition"])
        return shapes.webhook_full(self.store(webhook))

    def store(self, webhook: Record) -> Record:
        try:
            stored, _created = self._storage.webhooks.insert(
                webhook, shapes.short_head(webhook), max_per_user=self._limit
            )
        except WebhookLimitReached:
            raise TooManyWebhooks(self._limit) from None
        return stored

    def ad_hoc(self, user_id: str, encoded: str | None, run_id: str) -> list[Record]:
        """The run-start `webhooks` parameter: standard Base64 of a JSON array of webhook
        representations, each becoming an ad-hoc webhook bound to the new run. Any fault refuses
        the whole start. They are stored by `store()` in the run's own transaction."""
        if not encoded:
            return []
        too_deep = InvalidParameter(limits.depth_message("Parameter 'webhooks'"))
        try:
            items = orjson.loads(base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True))
        except orjson.JSONDecodeError as error:
            if error.msg == "depth limit exceeded":
                raise too_deep from None
            raise InvalidParameter(
                "Parameter 'webhooks' must be Base64-encoded JSON (an array of webhooks)"
            ) from None
        except (binascii.Error, ValueError):
            raise InvalidParameter(
                "Parameter 'webhooks' must be Base64-encoded JSON (an array of webhooks)"
            ) from None
        if not isinstance(items, list):
            raise InvalidParameter("Parameter 'webhooks' must encode a JSON array of webhooks")
        if limits.too_deep(items):
            raise too_deep
        check = self._document.schema("WebhookRepresentation")
        now = self._clock.now_iso()
        webhooks = []
        for index, item in enumerate(items):
            problem = check.first_error(item) if isinstance(item, dict) else "it must be a JSON object"
            if problem:
                raise SchemaValidation(f"Invalid webhooks[{index}]: {problem}")
            body = item | {"condition": {"actorRunId": run_id}, "isAdHoc": True}
            try:
                webhooks.append(records.new_webhook(body, user_id, now))
            except SchemaValidation as error:
                raise SchemaValidation(f"Invalid webhooks[{index}]: {error.text}") from None
        return webhooks

    def get(self, user_id: str, webhook_id: str) -> Record:
        webhook = self._storage.webhooks.get(user_id, webhook_id)
        if webhook is None:
            raise RecordNotFound("Webhook was not found")
        return webhook

    def update(self, user_id: str, webhook_id: str, body: dict[str, Any]) -> Record:
        webhook = self.get(user_id, webhook_id)
        merged = records.updated_webhook(webhook, body, self._clock.now_iso())
        if merged["condition"] != webhook["condition"]:
            self._catalog.check_target(user_id, merged["condition"])
        stored = {k: v for k, v in merged.items() if k not in ("lastDispatch", "stats")}
        try:
            updated = self._storage.webhooks.update(merged, shapes.short_head(stored))
        except IdempotencyKeyTaken:
            raise SchemaValidation(
                "Invalid value provided in idempotencyKey: another of your webhooks already has this key"
            ) from None
        if not updated:
            raise RecordNotFound("Webhook was not found")
        return shapes.webhook_full(merged)

    def delete(self, user_id: str, webhook_id: str) -> None:
        """Deleting a webhook ends its pending dispatches as FAILED; their history stays readable."""
        removal = {
            "startedAt": None,
            "finishedAt": self._clock.now_iso(),
            "errorMessage": "Webhook was removed.",
            "responseStatus": None,
            "responseBody": None,
        }
        if not self._storage.webhooks.delete(user_id, webhook_id, removal):
            raise RecordNotFound("Webhook was not found")

    def list_page(self, user_id: str, page: PageRequest, condition: dict[str, str] | None = None) -> Page:
        """A page of (short_head, last_dispatch, total_dispatches) rows: see model.shapes.short_items."""
        return self._storage.webhooks.item_page(
            user_id, page.offset, page.limit, page.desc, condition=condition
        )

    def full_page(self, user_id: str, page: PageRequest, condition: dict[str, str]) -> Page:
        """A page of full webhooks (a task's webhook list shows them whole)."""
        listed = self._storage.webhooks.page(user_id, page.offset, page.limit, page.desc, condition=condition)
        return Page(listed.total, [shapes.webhook_full(webhook) for webhook in listed.items])
