"""Subscriptions to the log that hand over what they pulled in batches.

PostgreSQL's is the library's (LISTEN/NOTIFY wakes it). The library's SQLite recorder has none, so
``SQLiteSubscription`` polls, and is woken in-process by the store's bell whenever this process
commits. Both add ``next_batch()``: a follower takes every event already pulled (up to 500) at once.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ListenNotifySubscription, Notification, ShutDown
from eventsourcing.postgres import PostgresSubscription


class Batches:
    """``next_batch()`` for the library's listen/notify subscriptions: the rest of what was pulled, at once."""

    _notifications: Sequence[Notification]
    _notifications_index: int
    _notifications_queue: Any
    _has_been_stopped: bool
    _thread_error: BaseException | None

    def next_batch(self) -> Sequence[Notification]:
        """Block until events are there; return every one already pulled (empty once stopped)."""
        if self._notifications_index < len(self._notifications):
            rest = self._notifications[self._notifications_index :]
        else:
            try:
                rest = self._notifications_queue.get()
            except ShutDown:
                rest = []
            else:
                self._notifications_queue.task_done()
        self._notifications, self._notifications_index = rest, len(rest)
        if self._has_been_stopped:
            if self._thread_error is not None:
                raise self._thread_error
            return []
        return rest

    def more(self, limit: int) -> list[Notification]:
        """What was pulled since, without waiting (about ``limit`` at most: whole pulls are taken)."""
        taken: list[Notification] = []
        while len(taken) < limit:
            try:
                pulled = self._notifications_queue.get(block=False)
            except (queue.Empty, ShutDown):
                break
            self._notifications_queue.task_done()
            taken.extend(pulled)
        return taken


class SQLiteSubscription(Batches, ListenNotifySubscription):
    """SQLite has no notifications: pull when this process commits (the store's bell) and every ``poll`` seconds."""

    def __init__(self, recorder: Any, gt: int | None = None, topics: Sequence[str] = ()) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._bell = recorder.bell
        self._poll = recorder.poll_interval
        self._listen_thread = threading.Thread(target=self._listen, daemon=True)
        self._listen_thread.start()

    def __exit__(self, *args: object, **kwargs: Any) -> None:
        try:
            super().__exit__(*args, **kwargs)
        finally:
            self._listen_thread.join()

    def stop(self) -> None:
        super().stop()
        self._bell.ring()

    def _listen(self) -> None:
        while not self._has_been_stopped:
            seen = self._bell.rings
            self._has_been_notified.set()
            self._bell.wait(seen, self._poll)


class PostgresBatchSubscription(Batches, PostgresSubscription):
    """The library's LISTEN/NOTIFY subscription, with ``next_batch()``."""
