"""asyncio delivery of a relay's or client's events: one reader per event fd per loop.

Each handle's event fd is readable while its queue holds events (and for good once it
is closed and drained). Registering one ``add_reader`` per coroutine would let several
callbacks race for one event, so every loop gets a single dispatcher per handle: its
reader drains ``next_event(0)`` and hands each event to exactly one waiter, first come
first served. The reader is registered only while someone waits, so a queue nobody
awaits does not spin the loop. Everything here runs on the loop's thread.
"""
from __future__ import annotations

import asyncio
import weakref
from collections import deque
from typing import Any, Callable, Deque, List, Optional, Tuple

from ._errors import WzpError

# What a waiter receives once the handle is closed and its queue is drained.
END = object()

_CLOSED = "WZP_ERR_CLOSED"


class Dispatcher:
    """Hands one handle's events to the coroutines of one loop that await them."""

    def __init__(self, poll: Callable[[], Any], fd: int, loop: asyncio.AbstractEventLoop) -> None:
        self._poll = poll  # next_event(0): an event, None when empty; raises CLOSED at the end
        self._fd = fd
        self._loop = loop
        self._pending: Deque[Any] = deque()  # pulled from the handle, not yet handed out
        self._waiters: Deque[asyncio.Future] = deque()
        self._watchers: List[Tuple[Callable[[Any], bool], asyncio.Future]] = []
        self._reading = False
        self.closed_error: Optional[WzpError] = None

    # -- waiting for events ------------------------------------------------------------

    def waiter(self) -> asyncio.Future:
        """A future that gets the next event (or END) not given to an earlier waiter."""
        future = self._loop.create_future()
        self._waiters.append(future)
        self._pump()
        return future

    def give_back(self, event: Any) -> None:
        """Return an event whose waiter was cancelled after receiving it: the next waiter gets it."""
        if event is not END:
            self._pending.appendleft(event)
            self._pump()

    def watch(self, predicate: Callable[[Any], bool]) -> asyncio.Future:
        """A future set to the first event (already pulled or still to come) for which predicate
        is true, or to END; the events stay queued for the waiters."""
        future = self._loop.create_future()
        for event in self._pending:
            if predicate(event):
                future.set_result(event)
                return future
        if self.closed_error is not None:
            future.set_result(END)
            return future
        self._watchers.append((predicate, future))
        self._pump()
        return future

    # -- the reader ----------------------------------------------------------------------

    def _wanted(self) -> bool:
        self._waiters = deque(w for w in self._waiters if not w.done())
        self._watchers = [(p, f) for p, f in self._watchers if not f.done()]
        return self.closed_error is None and (len(self._waiters) > len(self._pending) or bool(self._watchers))

    def _pump(self) -> None:
        """Pull what the handle holds while someone wants it, then hand events out in order."""
        while self._wanted():
            try:
                event = self._poll()
            except WzpError as error:
                if error.name != _CLOSED:
                    self._fail(error)
                    return
                self.closed_error = error
                break
            if event is None:
                break
            self._pending.append(event)
            for predicate, future in self._watchers:
                if not future.done() and predicate(event):
                    future.set_result(event)
        self._hand_out()
        self._set_reading(self._wanted())

    def _fail(self, error: WzpError) -> None:
        """A read failed unexpectedly: every current waiter gets the error (later ones retry)."""
        for future in list(self._waiters) + [f for _, f in self._watchers]:
            if not future.done():
                future.set_exception(error)
        self._waiters.clear()
        self._watchers.clear()
        self._set_reading(False)

    def _hand_out(self) -> None:
        while self._waiters:
            future = self._waiters[0]
            if future.done():  # cancelled or timed out
                self._waiters.popleft()
                continue
            if self._pending:
                future.set_result(self._pending.popleft())
            elif self.closed_error is not None:
                future.set_result(END)
            else:
                return
            self._waiters.popleft()
        if self.closed_error is not None and not self._pending:
            for _, future in self._watchers:
                if not future.done():
                    future.set_result(END)
            self._watchers.clear()

    def _set_reading(self, on: bool) -> None:
        if on == self._reading or self._loop.is_closed():
            return
        if on:
            self._loop.add_reader(self._fd, self._pump)
        else:
            self._loop.remove_reader(self._fd)
        self._reading = on

    def settle(self) -> None:
        """Stop reading once nobody waits (a waiter timed out or was cancelled)."""
        self._set_reading(self._wanted())

    def take_pending(self) -> Any:
        """An event pulled for this loop but not handed out yet (for synchronous readers), or None."""
        try:
            return self._pending.popleft()
        except IndexError:
            return None


class Dispatchers:
    """The dispatcher of each running loop for one handle."""

    def __init__(self) -> None:
        self._by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Dispatcher]" = (
            weakref.WeakKeyDictionary())

    def get(self, poll: Callable[[], Any], fd: int) -> Dispatcher:
        loop = asyncio.get_running_loop()
        dispatcher = self._by_loop.get(loop)
        if dispatcher is None:
            dispatcher = self._by_loop[loop] = Dispatcher(poll, fd, loop)
        return dispatcher

    def take_pending(self) -> Any:
        """An event some loop's dispatcher pulled but has not handed out, or None."""
        for dispatcher in list(self._by_loop.values()):
            event = dispatcher.take_pending()
            if event is not None:
                return event
        return None


async def next_event(dispatcher: Dispatcher, timeout: Optional[float]) -> Any:
    """The next event, END once closed and drained, or None after timeout seconds.

    The timeout is a timer on the loop that completes the waiter with None, so an event is
    never both delivered and timed out; an event that reaches a cancelled caller is given
    back to the next waiter."""
    future = dispatcher.waiter()
    timer = None
    if timeout is not None and not future.done():
        timer = dispatcher._loop.call_later(max(timeout, 0.0), _expire, future)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        if future.done() and not future.cancelled():
            dispatcher.give_back(future.result())
        else:
            future.cancel()
        raise
    finally:
        if timer is not None:
            timer.cancel()
        dispatcher.settle()


def _expire(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)
