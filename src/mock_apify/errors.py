"""Apify's error types as classes (moto style): each says its status, type and default message once,
and `ApiError.body()` renders the one envelope every error shares."""

from __future__ import annotations

from typing import Any, ClassVar


class ApiError(Exception):
    status: ClassVar[int] = 500
    type: ClassVar[str] = "internal-server-error"
    message: ClassVar[str] = "Internal server error."

    def __init__(self, message: str | None = None, *, data: dict[str, Any] | None = None) -> None:
        self.text = message or self.message
        self.data = data
        super().__init__(self.text)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.text}
        if self.data is not None:
            error["data"] = self.data
        return {"error": error}


class SchemaValidation(ApiError):
    status, type, message = 400, "schema-validation", "Invalid input."


class InvalidRequest(ApiError):
    status, type, message = 400, "invalid-request", "POST data must be a JSON object"


class InvalidParameter(ApiError):
    status, type, message = 400, "invalid-parameter", "Invalid parameter."


class InvalidSeed(ApiError):
    status, type, message = 400, "invalid-seed", "The seed cannot be loaded."


class IdDoesNotMatch(ApiError):
    status, type, message = 400, "id-does-not-match", "The resource does not match the webhook condition."


class TokenNotProvided(ApiError):
    status, type, message = 401, "token-not-provided", "Authentication token was not provided"


class UserOrTokenNotFound(ApiError):
    status, type = 401, "user-or-token-not-found"
    message = "User was not found or authentication token is not valid"


class InsufficientPermissions(ApiError):
    status, type = 403, "insufficient-permissions"
    message = "You do not have permission to perform this action."


class TooManyWebhooks(ApiError):
    status, type = 403, "too-many-webhooks"

    def __init__(self, limit: int) -> None:
        super().__init__(f"You have reached the maximum number of webhooks ({limit}).")


class RecordNotFound(ApiError):
    status, type, message = 404, "record-not-found", "The requested resource was not found."


class RecordOrTokenNotFound(ApiError):
    status, type, message = 404, "record-or-token-not-found", "The requested resource was not found."


class PageNotFound(ApiError):
    status, type = 404, "page-not-found"
    message = "We have bad news: there is no API endpoint at this URL. Did you specify it correctly?"


class MethodNotAllowed(ApiError):
    status, type = 405, "method-not-allowed"

    def __init__(self, allowed: list[str]) -> None:
        self.allowed = ["OPTIONS", *sorted(m for m in allowed if m != "OPTIONS")]
        super().__init__(
            "This API endpoint can only be accessed using the following HTTP methods: "
            + ", ".join(self.allowed)
        )


class RequestTooLarge(ApiError):
    status, type = 413, "request-too-large"

    def __init__(self, limit: int, actual: int | None = None) -> None:
        actual_text = f"{actual} bytes" if actual is not None else f"more than {limit} bytes"
        super().__init__(
            f"The POST payload is too large (limit: {limit} bytes, actual length: {actual_text})."
        )


class UnsupportedContentEncoding(ApiError):
    status, type = 415, "unsupported-content-encoding"

    def __init__(self, encoding: str) -> None:
        super().__init__(f'Content-Encoding "{encoding}" is not supported.')


class ActorNameNotUnique(ApiError):
    status, type, message = 400, "actor-name-not-unique", "You already have an Actor with this name."


class TaskNameNotUnique(ApiError):
    status, type, message = 400, "actor-task-name-not-unique", "You already have a task with this name."


class UsernameTaken(ApiError):
    status, type, message = 400, "username-already-taken", "This username is already taken."


class RateLimitExceeded(ApiError):
    status, type = 429, "rate-limit-exceeded"
    message = "You have exceeded the rate limit. Please try again later."


class BadGateway(ApiError):
    status, type, message = 502, "bad-gateway", "Bad gateway."


class ServiceUnavailable(ApiError):
    status, type, message = 503, "service-unavailable", "The service is temporarily unavailable."


class RunFailed(ApiError):
    """run-sync of a run that ended otherwise than SUCCEEDED: Apify's 400 `run-failed`, with the
    message its run-sync reference shows (https://docs.apify.com/api/v2/actor-run-sync-post)."""

    status, type = 400, "run-failed"

    def __init__(self, run_id: str, status: str) -> None:
        super().__init__(f"Actor run did not succeed (run ID: {run_id}, status: {status})")


class RunTimeoutExceeded(ApiError):
    """run-sync of a run still going after the endpoint's wait (Apify's 408, OpenAPI `Timeout`)."""

    status, type = 408, "run-timeout-exceeded"

    def __init__(self, seconds: int) -> None:
        super().__init__(f"Actor run exceeded the timeout of {seconds} seconds for this API endpoint")
