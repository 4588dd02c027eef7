"""The HTTP face of the emulator, and the only package that imports aiohttp.web: one thin handler
per operation of our OpenAPI document (parse, call a service, shape the answer), bound by
operationId, behind one catch-all route and an error middleware."""

from __future__ import annotations

from aiohttp import web

from ..emulator import Emulator
from . import (
    actors,
    builds,
    chaos,
    control,
    datasets,
    dispatches,
    inboxes,
    kvs,
    ratelimit,
    runs,
    runsync,
    tasks,
    ui,
    users,
    webhooks,
)
from .connections import ACCEPT_BACKLOG, ConnectionGuard
from .direct import serve_directly
from .request import Handler, error_middleware, make_handler
from .routing import Router
from .ui.view import ROOT as DASHBOARD_ROOT

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
    "act_put": actors.act_put,
    "act_delete": actors.act_delete,
    "actorTasks_get": tasks.actorTasks_get,
    "actorTasks_post": tasks.actorTasks_post,
    "actorTask_get": tasks.actorTask_get,
    "actorTask_put": tasks.actorTask_put,
    "actorTask_delete": tasks.actorTask_delete,
    "webhook_test_post": dispatches.webhook_test_post,
    "webhook_webhookDispatches_get": dispatches.webhook_webhookDispatches_get,
    "webhookDispatches_get": dispatches.webhookDispatches_get,
    "webhookDispatch_get": dispatches.webhookDispatch_get,
    "act_runs_post": runs.act_runs_post,
    "act_runs_get": runs.act_runs_get,
    "act_run_get": runs.act_run_get,
    "act_runs_last_get": runs.act_runs_last_get,
    "act_runSync_get": runsync.act_runSync_get,
    "act_runSync_post": runsync.act_runSync_post,
    "actorTask_runSync_get": runsync.actorTask_runSync_get,
    "actorTask_runSync_post": runsync.actorTask_runSync_post,
    "act_runSyncGetDatasetItems_get": runsync.act_runSyncGetDatasetItems_get,
    "act_runSyncGetDatasetItems_post": runsync.act_runSyncGetDatasetItems_post,
    "actorTask_runSyncGetDatasetItems_get": runsync.actorTask_runSyncGetDatasetItems_get,
    "actorTask_runSyncGetDatasetItems_post": runsync.actorTask_runSyncGetDatasetItems_post,
    "act_runs_last_log_get": runs.act_runs_last_log_get,
    "act_runs_last_abort_post": runs.act_runs_last_abort_post,
    "actorTask_runs_last_get": runs.actorTask_runs_last_get,
    "actorTask_runs_last_log_get": runs.actorTask_runs_last_log_get,
    "actorTask_runs_last_abort_post": runs.actorTask_runs_last_abort_post,
    "actorTask_runs_post": runs.actorTask_runs_post,
    "actorTask_runs_get": runs.actorTask_runs_get,
    "actorRuns_get": runs.actorRuns_get,
    "actorRun_get": runs.actorRun_get,
    "actorRun_put": runs.actorRun_put,
    "actorRun_delete": runs.actorRun_delete,
    "actorRun_abort_post": runs.actorRun_abort_post,
    "actorRun_resurrect_post": runs.actorRun_resurrect_post,
    "actorRun_log_get": runs.actorRun_log_get,
    "log_get": runs.log_get,
    "keyValueStores_get": kvs.keyValueStores_get,
    "keyValueStores_post": kvs.keyValueStores_post,
    "keyValueStore_get": kvs.store_get,
    "keyValueStore_put": kvs.keyValueStore_put,
    "keyValueStore_delete": kvs.keyValueStore_delete,
    "keyValueStore_keys_get": kvs.keys_get,
    "keyValueStore_record_get": kvs.record_get,
    "keyValueStore_record_put": kvs.record_put,
    "keyValueStore_record_post": kvs.record_put,
    "keyValueStore_record_delete": kvs.record_delete,
    "actorRun_keyValueStore_get": kvs.store_get,
    "act_runs_last_keyValueStore_get": kvs.store_get,
    "actorTask_runs_last_keyValueStore_get": kvs.store_get,
    "actorRun_keyValueStore_keys_get": kvs.keys_get,
    "act_runs_last_keyValueStore_keys_get": kvs.keys_get,
    "actorTask_runs_last_keyValueStore_keys_get": kvs.keys_get,
    "actorRun_keyValueStore_record_get": kvs.record_get,
    "act_runs_last_keyValueStore_record_get": kvs.record_get,
    "actorTask_runs_last_keyValueStore_record_get": kvs.record_get,
    "actorRun_keyValueStore_record_put": kvs.record_put,
    "act_runs_last_keyValueStore_record_put": kvs.record_put,
    "actorTask_runs_last_keyValueStore_record_put": kvs.record_put,
    "actorRun_keyValueStore_record_post": kvs.record_put,
    "act_runs_last_keyValueStore_record_post": kvs.record_put,
    "actorTask_runs_last_keyValueStore_record_post": kvs.record_put,
    "actorRun_keyValueStore_record_delete": kvs.record_delete,
    "act_runs_last_keyValueStore_record_delete": kvs.record_delete,
    "actorTask_runs_last_keyValueStore_record_delete": kvs.record_delete,
    "actorTask_input_get": tasks.actorTask_input_get,
    "actorTask_input_put": tasks.actorTask_input_put,
    "datasets_get": datasets.datasets_get,
    "datasets_post": datasets.datasets_post,
    "dataset_get": datasets.dataset_get,
    "dataset_put": datasets.dataset_put,
    "dataset_delete": datasets.dataset_delete,
    "dataset_statistics_get": datasets.dataset_statistics_get,
    "dataset_items_get": datasets.dataset_items_get,
    "dataset_items_post": datasets.dataset_items_post,
    "actorRun_dataset_get": datasets.dataset_get,
    "act_runs_last_dataset_get": datasets.dataset_get,
    "actorTask_runs_last_dataset_get": datasets.dataset_get,
    "actorRun_dataset_put": datasets.dataset_put,
    "act_runs_last_dataset_put": datasets.dataset_put,
    "actorTask_runs_last_dataset_put": datasets.dataset_put,
    "actorRun_dataset_delete": datasets.dataset_delete,
    "act_runs_last_dataset_delete": datasets.dataset_delete,
    "actorTask_runs_last_dataset_delete": datasets.dataset_delete,
    "actorRun_dataset_statistics_get": datasets.dataset_statistics_get,
    "act_runs_last_dataset_statistics_get": datasets.dataset_statistics_get,
    "actorTask_runs_last_dataset_statistics_get": datasets.dataset_statistics_get,
    "actorRun_dataset_items_get": datasets.dataset_items_get,
    "act_runs_last_dataset_items_get": datasets.dataset_items_get,
    "actorTask_runs_last_dataset_items_get": datasets.dataset_items_get,
    "actorRun_dataset_items_post": datasets.dataset_items_post,
    "act_runs_last_dataset_items_post": datasets.dataset_items_post,
    "actorTask_runs_last_dataset_items_post": datasets.dataset_items_post,
    "act_builds_get": builds.act_builds_get,
    "act_builds_post": builds.act_builds_post,
    "act_build_default_get": builds.act_build_default_get,
    "actorBuilds_get": builds.actorBuilds_get,
    "actorBuild_get": builds.actorBuild_get,
    "actorBuild_delete": builds.actorBuild_delete,
    "actorBuild_abort_post": builds.actorBuild_abort_post,
    "actorBuild_log_get": builds.actorBuild_log_get,
    "mock_health_get": control.mock_health_get,
    "mock_reset_post": control.mock_reset_post,
    "mock_users_post": control.mock_users_post,
    "mock_users_batch_post": control.mock_users_batch_post,
    "mock_user_seed_post": control.mock_user_seed_post,
    "mock_openapi_get": control.mock_openapi_get,
    "mock_clock_get": control.mock_clock_get,
    "mock_clock_advance_post": control.mock_clock_advance_post,
    "mock_dispatches_settle_post": control.mock_dispatches_settle_post,
    "mock_render_template_post": control.mock_render_template_post,
    "mock_actor_behaviour_put": control.mock_actor_behaviour_put,
    "mock_actor_behaviour_get": control.mock_actor_behaviour_get,
    "mock_actor_run_status_post": control.mock_actor_run_status_post,
    "mock_actor_build_status_post": control.mock_actor_build_status_post,
    "mock_actor_run_get": control.mock_actor_run_get,
    "users_me_get": users.users_me_get,
    "user_get": users.user_get,
    "mock_inbox_post": inboxes.mock_inbox_post,
    "mock_inbox_put": inboxes.mock_inbox_put,
    "mock_inbox_get": inboxes.mock_inbox_get,
    "mock_inbox_delete": inboxes.mock_inbox_delete,
    "mock_webhook_dispatch_resend_post": control.mock_webhook_dispatch_resend_post,
    "mock_chaos_post": chaos.mock_chaos_post,
    "mock_chaos_get": chaos.mock_chaos_get,
    "mock_chaos_rule_delete": chaos.mock_chaos_rule_delete,
    "mock_faults_post": chaos.mock_faults_post,
    "mock_faults_get": chaos.mock_faults_get,
    "mock_fault_delete": chaos.mock_fault_delete,
    "mock_rate_limit_put": chaos.mock_rate_limit_put,
    "mock_rate_limit_get": chaos.mock_rate_limit_get,
}


__all__ = ["ACCEPT_BACKLOG", "HANDLERS", "ConnectionGuard", "install"]


def install(app: web.Application, emulator: Emulator, guard: ConnectionGuard) -> None:
    """Route every request of `app` through the emulator's operations; `guard` watches the
    connections of the sites that accept through it (see `connections`)."""
    operations = emulator.document.operations
    if differ := set(operations) ^ set(HANDLERS):
        raise RuntimeError(f"operations and handlers differ: {sorted(differ)}")
    router = Router(operations.values(), emulator.document.aliases)
    errors = error_middleware(emulator)
    app.middlewares.extend((guard.middleware, errors))  # for the dashboard's routes (see direct)
    app.cleanup_ctx.append(guard.running)
    app.on_response_prepare.append(ratelimit.add_header)
    ui.install(app, emulator)  # the dashboard's pages, ahead of the catch-all
    # `[\s\S]`, not `.`: a decoded path may hold a newline (%0A), which `.` would not match.
    catch_all = app.router.add_route("*", r"/{tail:[\s\S]*}", make_handler(emulator, router, HANDLERS))
    serve_directly(app, catch_all, guard, errors, DASHBOARD_ROOT.rstrip("/"))
