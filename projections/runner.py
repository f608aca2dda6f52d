"""Following the log: every read model and process reads the one event log in order, exactly once.

A follower handles a batch of events and records how far it has read *in the same transaction*
as what it derived (view rows, or new events), so a crash never loses or doubles a reaction.
On start it catches up from its recorded position; then it follows the log live: woken by the
store's bell (writes in this process, and NOTIFY on PostgreSQL) and, as a safety net for writes
by other processes on SQLite, by polling.

``Followers.wait(position)`` is the read-your-writes barrier behind ``min_position``: it returns
once every follower reflects ``position`` and everything the processes derived from it.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Notification

from hotline.store import Store

log = logging.getLogger("hotline.followers")
BATCH = 500


class Follower(ABC):
    """Something derived from the log: a read model (stage 1) or a process that records events (stage 0)."""

    name: str = ""
    topics: tuple[str, ...] = ()
    """Event topics the follower handles; empty means every event."""
    stage: int = 1
    """0 for processes that append events (they run first), 1 for read models."""

    def setup(self) -> None:
        """Create tables; called once before following."""

    @abstractmethod
    def tracked(self) -> int:
        """The position this follower has recorded as handled (0 if none)."""

    @abstractmethod
    def handle(self, notifications: Sequence[Notification], upto: int) -> None:
        """Handle ``notifications`` and record ``upto`` as handled, in one transaction."""


class _Track:
    """One follower's thread, its last known position and the waiters on it."""

    def __init__(self, follower: Follower, store: Store, poll: float) -> None:
        self.follower = follower
        self.store = store
        self.poll = poll
        self.position = 0
        self.error: str | None = None
        self.condition = threading.Condition()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def refresh(self) -> None:
        self._advance(self.follower.tracked())

    def _advance(self, position: int) -> None:
        with self.condition:
            if position > self.position:
                self.position = position
                self.condition.notify_all()

    def step(self) -> bool:
        """Handle the next batch; False when the follower is at the head of the log."""
        with self.lock:
            position = self.follower.tracked()
            self._advance(position)
            head = self.store.head()
            if head <= position:
                return False
            batch = self.store.read(position, BATCH, upto=head, topics=self.follower.topics)
            upto = batch[-1].id if len(batch) == BATCH else head
            self.follower.handle(batch, upto)
            self._advance(upto)
            self.error = None
            return True

    def run(self, stopping: threading.Event) -> None:
        backoff = 0.5
        while not stopping.is_set():
            seen = self.store.bell.rings
            try:
                progressed = self.step()
                backoff = 0.5
            except Exception as error:  # noqa: BLE001 - keep following; report in /health
                self.error = f"{type(error).__name__}: {error}"
                log.exception("follower %s failed; retrying in %.1fs", self.follower.name, backoff)
                stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if not progressed:
                self.store.bell.wait(seen, self.poll)

    def wait(self, position: int, deadline: float) -> bool:
        with self.condition:
            while self.position < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.condition.wait(min(remaining, 0.25))
                if self.position < position and self.thread is None:
                    self.refresh_unlocked()
            return True

    def refresh_unlocked(self) -> None:
        self.position = max(self.position, self.follower.tracked())


class Followers:
    """Runs the followers of the log and answers the read-your-writes barrier."""

    def __init__(self, store: Store, followers: Sequence[Follower], *, poll_interval: float = 1.0) -> None:
        self.store = store
        self.tracks = [_Track(f, store, poll_interval) for f in followers]
        self._stopping = threading.Event()

    def setup(self) -> None:
        for track in self.tracks:
            track.follower.setup()
            track.refresh()

    @property
    def running(self) -> bool:
        return any(track.thread is not None for track in self.tracks)

    def start(self) -> None:
        self.store.start_listening()
        for track in self.tracks:
            track.thread = threading.Thread(
                target=track.run, args=(self._stopping,), name=f"follower-{track.follower.name}", daemon=True
            )
            track.thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self.store.bell.ring()
        for track in self.tracks:
            if track.thread is not None:
                track.thread.join(timeout=10)

    def catch_up(self) -> None:
        """Run every follower to the head of the log in this thread (processes first)."""
        for _ in range(3):
            for track in sorted(self.tracks, key=lambda t: t.follower.stage):
                while track.step():
                    pass
            if all(track.position >= self.store.head() for track in self.tracks):
                return

    def wait(self, position: int, timeout: float) -> bool:
        """True once every follower reflects ``position`` and what the processes derived from it.

        Processes record what they derive at later positions, in the same transaction as their
        tracking; so once they have passed ``position``, those events lie at or below the head,
        and waiting for every follower to reach that head covers them.
        """
        if not self.running:
            self.catch_up()
        deadline = time.monotonic() + timeout
        if not self._wait_all(position, deadline):
            return False
        if any(track.follower.stage == 0 for track in self.tracks):
            return self._wait_all(self.store.head(), deadline)
        return True

    def _wait_all(self, position: int, deadline: float) -> bool:
        return all(track.wait(position, deadline) for track in sorted(self.tracks, key=lambda t: t.follower.stage))

    def status(self) -> list[dict[str, Any]]:
        head = self.store.head()
        return [
            {"name": t.follower.name, "position": t.position, "lag": max(head - t.position, 0), "error": t.error}
            for t in self.tracks
        ]
