"""The `X-RateLimit-Limit` header Apify puts on every API answer: the per-resource rate, in requests
per second (Apify's API reference, "Rate limiting": 60 by default, 400 for starting runs and
pushing dataset items, 200 for key-value store record operations). mock-apify enforces the limits
only when its opt-in rate limiter is on (see api.faults), and then adds `X-RateLimit-Remaining`."""

from __future__ import annotations

from aiohttp import web

HEADER = "X-RateLimit-Limit"
REMAINING_HEADER = "X-RateLimit-Remaining"
DEFAULT_LIMIT = 60
# operationId -> its resource's own limit, where Apify's reference gives one.
_LIMITS = {"act_runs_post": 400, "actorTask_runs_post": 400}
_LIMITS |= dict.fromkeys(
    (
        "dataset_items_post",
        "actorRun_dataset_items_post",
        "act_runs_last_dataset_items_post",
        "actorTask_runs_last_dataset_items_post",
    ),
    400,
)

OPERATION_KEY: web.RequestKey[str] = web.RequestKey("mock_apify.operation_id", str)
REMAINING_KEY: web.RequestKey[int] = web.RequestKey("mock_apify.rate_remaining", int)


def limit_of(operation_id: str) -> int:
    """The rate, in requests per second, of the resource an operation acts on."""
    return _LIMITS.get(operation_id, DEFAULT_LIMIT)


def note_operation(request: web.Request, operation_id: str) -> None:
    """Remember which operation a request was routed to, for the header."""
    request[OPERATION_KEY] = operation_id


def note_remaining(request: web.Request, remaining: int) -> None:
    """What the rate limiter left of the resource's rate after this request."""
    request[REMAINING_KEY] = remaining


async def add_header(request: web.Request, response: web.StreamResponse) -> None:
    """An `on_response_prepare` signal, so streamed answers (logs) get the header too; Apify's API
    paths only, not the emulator's own `/_mock`."""
    if request.path.startswith("/v2"):
        response.headers[HEADER] = str(limit_of(request.get(OPERATION_KEY, "")))
        if REMAINING_KEY in request:
            response.headers[REMAINING_HEADER] = str(request[REMAINING_KEY])
