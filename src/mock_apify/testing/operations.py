"""Each thing the handle does is written once, as an operation: a generator that yields every
`Call` it needs and is sent back the answer (sans-IO). Two drivers run operations, `drive`
(blocking) and `drive_async` (awaited), and the `operation` descriptor turns one into a method of
both views of a state: a plain method on a `SyncView` (`MockApify`, `Inbox`), a coroutine method
on an `AsyncView` (`AsyncMockApify`, `AsyncInbox`). So the sync and async handles have the same
methods, with the same arguments and documentation, by construction.

An error answer is thrown into the operation at its `yield`, so an operation may catch a
`MockApifyError` (or let it out to the test)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

from .client import AsyncTransport, Call, MockApifyError, Transport

S = TypeVar("S")
P = ParamSpec("P")
T = TypeVar("T")

#: An operation: yields calls, is sent their decoded answers, returns its result.
Op = Generator[Call, Any, T]

_PAGE = 1000


@dataclass(frozen=True)
class _Done(Generic[T]):
    result: T


def _step(op: Op[T], answer: Any) -> Call | _Done[T]:
    """Resume the operation with an answer (an error is thrown in): its next call, or its result."""
    __tracebackhide__ = True
    try:
        return op.throw(answer) if isinstance(answer, MockApifyError) else op.send(answer)
    except StopIteration as done:
        return _Done(done.value)


def drive(op: Op[T], send: Callable[[Call], Any]) -> T:
    """Run an operation to its result, sending each call by `send`."""
    __tracebackhide__ = True
    step = _step(op, None)
    while isinstance(step, Call):
        step = _step(op, send(step))
    return step.result


async def drive_async(op: Op[T], send: Callable[[Call], Awaitable[Any]]) -> T:
    """`drive` for an awaited `send`."""
    __tracebackhide__ = True
    step = _step(op, None)
    while isinstance(step, Call):
        step = _step(op, await send(step))
    return step.result


def every_item(path: str, token: str | None = None) -> Op[list[Any]]:
    """All the items of a paged list (Apify's `offset`/`limit`/`total` envelope), oldest first."""
    items: list[Any] = []
    while True:
        answer = yield Call("GET", path, token=token, params={"offset": len(items), "limit": _PAGE})
        page = answer["data"]
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            return items


class CalledFromEventLoopError(RuntimeError):
    """A blocking operation that waits for deliveries (`settle()`, `assert_delivered()`, ...) was
    called on a thread whose event loop is running: it would stop that loop, and a receiver the loop
    serves could never answer. The awaiting view (`mock_apify.aio`) does the same without blocking."""


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _refusal(name: str, emulator_on_loop: bool, member: str) -> str:
    if emulator_on_loop:
        return (
            f"{name}() called from a running event loop that serves the emulator (mock_apify_app): "
            f"use `await mock_apify_app{member}.{name}(...)`; a blocking call would wait for the loop it stops."
        )
    return (
        f"{name}() called from a running event loop: use `await mock_apify.aio{member}.{name}(...)`. "
        "It waits for deliveries, and blocking would stop this thread's loop, so a receiver "
        "it serves could not answer until the time limit."
    )


class SyncView(Generic[S]):
    """Runs the operations of its state with blocking calls."""

    #: Set when the emulator itself runs on the test's loop (`mock_apify_app`): then every blocking
    #: call from that loop would wait for a loop it stops, not only those that wait for deliveries.
    _emulator_on_loop = False
    #: Where the view is on the handle, for error messages: "" for the handle, ".inbox(...)".
    _member = ""

    def __init__(self, state: S, base_url: str) -> None:
        self._state = state
        self._transport = Transport(base_url)

    def _run(self, op: Op[T], name: str = "this operation") -> T:
        __tracebackhide__ = True

        def send(call: Call) -> Any:
            __tracebackhide__ = True
            if (call.waits or self._emulator_on_loop) and _loop_running():
                op.close()
                raise CalledFromEventLoopError(_refusal(name, self._emulator_on_loop, self._member))
            return self._transport.send(call)

        return drive(op, send)


class AsyncView(Generic[S]):
    """Runs the operations of its state as coroutines, so the test's loop keeps serving while
    they wait (an emulator or a receiver on that loop)."""

    def __init__(self, state: S, base_url: str) -> None:
        self._state = state
        self._transport = AsyncTransport(base_url)

    async def _run(self, op: Op[T], name: str = "this operation") -> T:
        __tracebackhide__ = True
        return await drive_async(op, self._transport.send)


class operation(Generic[S, P, T]):
    """A state's operation as a method of its views, e.g. `settle = operation(Session.settle)`:
    named, documented and with the signature of the operation (less the state)."""

    def __init__(self, method: Callable[Concatenate[S, P], Op[T]]) -> None:
        self._method = method
        signature = inspect.signature(method)
        self._signature = signature.replace(
            parameters=list(signature.parameters.values())[1:],
            return_annotation=inspect.Signature.empty,
        )

    @overload
    def __get__(self, view: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, view: SyncView[S], owner: type[Any]) -> Callable[P, T]: ...

    @overload
    def __get__(self, view: AsyncView[S], owner: type[Any]) -> Callable[P, Coroutine[Any, Any, T]]: ...

    def __get__(self, view: SyncView[S] | AsyncView[S] | None, owner: type[Any]) -> Any:
        if view is None:
            return self
        return self._named(self._bound_async(view) if isinstance(view, AsyncView) else self._bound(view))

    def _bound(self, view: SyncView[S]) -> Callable[P, T]:
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            __tracebackhide__ = True
            return view._run(self._method(view._state, *args, **kwargs), self._method.__name__)

        return run

    def _bound_async(self, view: AsyncView[S]) -> Callable[P, Coroutine[Any, Any, T]]:
        async def run(*args: P.args, **kwargs: P.kwargs) -> T:
            __tracebackhide__ = True
            return await view._run(self._method(view._state, *args, **kwargs), self._method.__name__)

        return run

    def _named(self, function: Callable[..., Any]) -> Callable[..., Any]:
        function.__name__ = function.__qualname__ = self._method.__name__
        function.__doc__ = self._method.__doc__
        function.__signature__ = self._signature  # type: ignore[attr-defined]
        return function
