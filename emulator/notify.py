"""A broadcast wake-up primitive for "something changed, re-check your condition" loops."""

from __future__ import annotations

import asyncio


class Notifier:
    """Wakes every current waiter on notify(); cheap when nobody is waiting."""

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None

    def notify(self) -> None:
        """Wake all tasks currently blocked in wait()."""
        if self._future is not None:
            if not self._future.done():
                self._future.set_result(None)
            self._future = None

    async def wait(self, within: float | None = None) -> bool:
        """Block until the next notify(); False if `within` seconds passed first."""
        if self._future is None:
            self._future = asyncio.get_running_loop().create_future()
        # asyncio.wait never cancels the shared future, so one waiter's cancellation or
        # timeout cannot affect the others.
        done, _ = await asyncio.wait({self._future}, timeout=within)
        return bool(done)
