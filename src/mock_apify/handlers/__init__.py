"""Handlers by operationId: the table the router's operations are bound to at start-up."""

from __future__ import annotations

from ..http import Handler
from . import actors, control, dispatches, inboxes, tasks, webhooks

HANDLERS: dict[str, Handler] = {
    "webhooks_get": webhooks.webhooks_get,
    "webhooks_post": webhooks.webhooks_post,
    "webhook_get": webhooks.webhook_get,
    "webhook_put": webhooks.webhook_put,
    "webhook_delete": webhooks.webhook_delete,
    "act_webhooks_get": webhooks.act_webhooks_get,
    "actorTask_webhooks_get": webhooks.actorTask_webhooks_get,
    "acts_get": actors.acts_get,
    "acts_post": actors.acts_post,
    "act_get": actors.act_get,
    "act_delete": actors.act_delete,
    "actorTasks_get": tasks.actorTasks_get,
    "actorTasks_post": tasks.actorTasks_post,
    "actorTask_get": tasks.actorTask_get,
    "actorTask_delete": tasks.actorTask_delete,
    "webhook_test_post": dispatches.webhook_test_post,
    "webhook_webhookDispatches_get": dispatches.webhook_webhookDispatches_get,
    "webhookDispatches_get": dispatches.webhookDispatches_get,
    "webhookDispatch_get": dispatches.webhookDispatch_get,
    "mock_health_get": control.mock_health_get,
    "mock_reset_post": control.mock_reset_post,
    "mock_users_post": control.mock_users_post,
    "mock_openapi_get": control.mock_openapi_get,
    "mock_clock_get": control.mock_clock_get,
    "mock_clock_advance_post": control.mock_clock_advance_post,
    "mock_dispatches_settle_post": control.mock_dispatches_settle_post,
    "mock_render_template_post": control.mock_render_template_post,
    "mock_inbox_post": inboxes.mock_inbox_post,
    "mock_inbox_put": inboxes.mock_inbox_put,
    "mock_inbox_get": inboxes.mock_inbox_get,
    "mock_inbox_delete": inboxes.mock_inbox_delete,
}
