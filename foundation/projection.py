"""Following the one event log, on the library's projection machinery, extended where it falls short.

From ``eventsourcing.projection`` and ``eventsourcing.persistence`` this uses:

* ``Subscription`` / ``ListenNotifySubscription``: PostgreSQL's is the library's (LISTEN/NOTIFY);
  the library's SQLite recorder has none, so ``SQLiteSubscription`` polls and is woken in-process
  by the store's bell whenever this process commits. Both add ``next_batch()``, so a follower
  takes what the subscription pulled (up to 500 events) in one go.
* ``Projection`` with one ``process_event`` handler per event type (``singledispatchmethod``),
  over a view that is a ``TrackingRecorder``: ``SqlProjection`` runs a whole batch of handlers in
  one transaction of its view and records the batch's tracking position in that same transaction.
* ``EventSourcedProjection`` for processes that record events of their own (the rules process).

What the library's ``ProjectionRunner`` does not do, and ``Follower`` adds: it takes the shared
store instead of building an application from environment variables; it handles a batch per
transaction (the library commits one event at a time); a failure is logged with its position,
shown by ``/health`` and retried with backoff from the last tracked position, never skipped;
followers run in stages (processes that record events before the read models); and ``wait`` is
the read-your-writes barrier behind ``min_position``, woken in-process without polling.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import IntegrityError, Notification, ProgrammingError, Tracking, TrackingRecorder
from eventsourcing.projection import Projection

from foundation.aggregate import project
from foundation.setaside import SET_ASIDE_ID, SetAside
from foundation.sql import Cursor
from foundation.store import Store

log = logging.getLogger("hotline.followers")
BATCH = 500


# ------------------------------------------------------------------------ views


class View(TrackingRecorder):
    """A read model's tables in the store's database, with its position in the store's tracking table.

    Handlers write through the view while a batch is open (``batch()``); the view then records the
    batch's position in the same transaction, refusing to move backwards: either both commit or
    neither does, so a view is exactly once even across a crash. Its position is kept under the
    view's own ``name`` (one log, one tracking table for every follower).
    """

    name: str = ""
    tables: tuple[str, ...] = ()

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sql = store.sql
        self._cursor: Cursor | None = None

    @abstractmethod
    def schema(self) -> list[str]:
        """CREATE TABLE / INDEX statements (``IF NOT EXISTS``), with ``{table}`` placeholders."""

    def setup(self) -> None:
        """Create the view's tables; a view with no position yet starts from empty tables.

        A view that has recorded no position is new, or new under this name (its shape changed
        and the view was renamed, or the database predates it): whatever tables it finds under its
        names are dropped and created again, and it rebuilds from the log.
        """
        with self.sql.transaction() as cursor:
            if not self.tracked():
                for table in self.tables:
                    cursor.execute("DROP TABLE IF EXISTS {t}", t=table)
            for statement in self.schema():
                cursor.execute(statement, **{name: name for name in self.tables})

    @property
    def cursor(self) -> Cursor:
        if self._cursor is None:
            raise ProgrammingError(f"view {self.name} is written only inside a batch")
        return self._cursor

    @contextmanager
    def batch(self, tracking: Tracking) -> Iterator[None]:
        """One transaction: what the handlers write, ``flush()``, and the position ``tracking``.

        The handlers' text is written as the database can hold it (``foundation.sql.storable``).
        """
        with self.sql.transaction(storable=True) as cursor:
            self._cursor = cursor
            try:
                yield
                self.flush()
                self.store.recorder._insert_tracking(cursor.raw, Tracking(self.name, tracking.notification_id))  # noqa: SLF001
            finally:
                self._cursor = None
                self.forget()

    def flush(self) -> None:
        """Write what the batch's handlers gathered (for views that gather rows before writing)."""

    def forget(self) -> None:
        """Drop what the batch gathered (after its transaction, committed or not)."""

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.batch(tracking):
            pass

    def max_tracking_id(self, application_name: str = "") -> int | None:
        """The position this view has recorded (the upstream is always the one log)."""
        return self.store.recorder.max_tracking_id(self.name)

    def tracked(self) -> int:
        return self.max_tracking_id() or 0

    def reset(self) -> None:
        """Forget the view's rows and position; it rebuilds from the log."""
        with self.sql.transaction() as cursor:
            for table in self.tables:
                cursor.execute("DELETE FROM {t}", t=table)
        self.store.recorder.delete_tracking(self.name)


class SqlProjection(Projection[View]):
    """A read model: one handler per event type (``process_event``), a batch per transaction."""

    topics: tuple[str, ...] = ()
    stage = 1

    def setup(self) -> None:
        self.view.setup()

    def tracked(self) -> int:
        return self.view.tracked()

    def process_batch(self, events: Sequence[tuple[Any, Tracking]]) -> None:
        with self.view.batch(events[-1][1]):
            for event, tracking in events:
                self.process_event(event, tracking)

    @singledispatchmethod
    def process_event(self, event: Any, tracking: Tracking) -> None:
        """Events without a handler of their own change nothing in this view."""


# -------------------------------------------------------------------- followers


class Follower(Protocol):
    """A read model (stage 1) or a process that records events (stage 0), following the log.

    A follower whose ``decodes`` attribute is False is handed the stored notifications themselves
    (topic and stored, possibly encrypted, state) instead of domain events.
    """

    name: str
    topics: tuple[str, ...]
    stage: int

    def setup(self) -> None: ...

    def tracked(self) -> int: ...

    def process_batch(self, events: Sequence[tuple[Any, Tracking]]) -> None: ...


class Runner:
    """Runs one follower in its own thread, in batches, and answers waits on its position."""

    def __init__(self, follower: Follower, store: Store) -> None:
        self.follower = follower
        self.store = store
        self.position = 0
        self.error: str | None = None
        self.failures = 0
        """How many batches failed since the service started (a metric for /health)."""
        self.failing_at: int | None = None
        self.failed_at: int | None = None
        """The position of the event the last failed batch failed on (set by ``handle``)."""
        self.set_aside: dict[int, SetAside] = {}
        """Positions an operator set aside for this follower (``foundation.setaside``)."""
        self.passed_over: list[int] = []
        self.condition = threading.Condition()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self._subscription: Any = None

    @property
    def name(self) -> str:
        return self.follower.name

    def refresh(self) -> None:
        self.load_set_asides()
        self._advance(self.follower.tracked())

    def load_set_asides(self) -> None:
        """Read the operators' set-aside decisions that concern this follower from the log.

        A follower of the stored bytes (the integrity tree) never decodes, so nothing can poison it,
        and it must cover every position: no decision ever applies to it.
        """
        if not getattr(self.follower, "decodes", True):
            self.set_aside = {}
            return
        decisions = project(event for _, event in self.store.positioned_events(SET_ASIDE_ID))
        self.set_aside = decisions.positions(self.name) if decisions is not None else {}

    def _advance(self, position: int) -> None:
        with self.condition:
            if position > self.position:
                self.position = position
            self.condition.notify_all()

    def handle(self, notifications: Sequence[Notification]) -> None:
        """Handle a batch; if it fails, handle its events one by one up to the one that fails.

        So everything before a poison event is handled, and the failure names its position
        (``failed_at``) rather than the start of its batch.
        """
        try:
            self._handle(notifications)
        except Exception:
            if len(notifications) == 1:
                self.failed_at = notifications[0].id
                raise
            for notification in notifications:
                if notification.id > self.position:
                    self.handle([notification])
            # every event passed on its own: the batch's failure did not come back

    def _handle(self, notifications: Sequence[Notification]) -> None:
        """Decode and process one batch, in one transaction, then move the known position on.

        A position an operator set aside is passed over, loudly; nothing else ever is.
        """
        mapper = self.store.mapper
        kept = [n for n in notifications if n.id not in self.set_aside]
        with self.lock:
            for n in notifications:
                if n.id in self.set_aside:
                    decision = self.set_aside[n.id]
                    log.warning(
                        "follower %s passes over position %d, set aside by %s at %s: %s",
                        self.name, n.id, decision.by, decision.at.isoformat(), decision.reason,
                    )
                    if n.id not in self.passed_over:
                        self.passed_over.append(n.id)
            if kept:
                if getattr(self.follower, "decodes", True):
                    events = [(mapper.to_domain_event(n), Tracking(self.name, n.id)) for n in kept]
                else:  # a follower of the stored bytes themselves (the integrity tree): nothing decoded or decrypted
                    events = [(n, Tracking(self.name, n.id)) for n in kept]
                try:
                    self.follower.process_batch(events)
                except IntegrityError:
                    if self.follower.tracked() < kept[-1].id:
                        raise
                    # another process of this follower already recorded this batch: nothing to do
            if not kept or kept[-1].id != notifications[-1].id:
                self.store.recorder.insert_tracking(Tracking(self.name, notifications[-1].id))
        self._advance(notifications[-1].id)

    def step(self) -> bool:
        """Handle the next batch read directly from the log; False at the head (catching up without threads)."""
        position = self.follower.tracked()
        self._advance(position)
        batch = self.store.recorder.select_notifications(
            start=position, limit=BATCH, topics=self.follower.topics, inclusive_of_start=False
        )
        if not batch:
            return False
        try:
            self.handle(batch)
        except Exception:
            self.load_set_asides()  # an operator may have set the failing event aside since
            if not any(n.id in self.set_aside for n in batch):
                raise
            self.handle(batch)
        self.error = None
        return True

    def run(self, stopping: threading.Event) -> None:
        """Follow the log live: from the tracked position, through a subscription, until stopped."""
        backoff = 0.5
        while not stopping.is_set():
            try:
                self.refresh()
                self._follow(stopping)
            except Exception as error:  # noqa: BLE001 - never skip: report, back off, resume from the tracked position
                self.failures += 1
                self.failing_at = self.failed_at or self.follower.tracked() + 1
                self.failed_at = None
                self.error = f"{type(error).__name__}: {error}"
                log.exception(
                    "follower %s failed at position %d (failure %d); retrying from position %d in %.1fs",
                    self.name, self.failing_at, self.failures, self.follower.tracked(), backoff,
                )
                stopping.wait(backoff)
                self._reload_set_asides()
                backoff = min(backoff * 2, 30.0)
            else:
                backoff = 0.5

    def _reload_set_asides(self) -> None:
        try:
            self.load_set_asides()
        except Exception:  # noqa: BLE001 - the store may be down too; the next failure tries again
            log.exception("follower %s could not read the set-aside decisions", self.name)

    def _follow(self, stopping: threading.Event) -> None:
        with self.store.recorder.subscribe(gt=self.position, topics=self.follower.topics) as subscription:
            self._subscription = subscription
            try:
                while not stopping.is_set():
                    batch = subscription.next_batch()
                    if not batch:
                        return
                    self.handle(batch)
                    self.error = self.failing_at = None
            finally:
                self._subscription = None

    def interrupt(self) -> None:
        if self._subscription is not None:
            self._subscription.stop()

    def wait(self, position: int, deadline: float) -> bool:
        """Block until the follower's position reaches ``position`` (or the deadline passes)."""
        with self.condition:
            while self.position < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.condition.wait(min(remaining, 0.05 if self.thread is None else 0.25))
                if self.position < position and self.thread is None:
                    self.position = max(self.position, self.follower.tracked())
            return True


class Followers:
    """Runs the followers of the log (processes first) and answers the read-your-writes barrier."""

    def __init__(self, store: Store, followers: Sequence[Follower], *, inline: bool = False) -> None:
        self.store = store
        self.inline = inline
        """Catch up in the waiting thread (tests and tools) instead of running a thread per follower."""
        self.runners = [Runner(f, store) for f in sorted(followers, key=lambda f: f.stage)]
        self._stopping = threading.Event()

    def setup(self) -> None:
        for runner in self.runners:
            runner.follower.setup()
            runner.refresh()

    def runner(self, name: str) -> Runner:
        return next(r for r in self.runners if r.name == name)

    @property
    def running(self) -> bool:
        return any(runner.thread is not None for runner in self.runners)

    def start(self) -> None:
        for runner in self.runners:
            runner.thread = threading.Thread(target=runner.run, args=(self._stopping,), name=f"follower-{runner.name}", daemon=True)
            runner.thread.start()

    def stop(self) -> None:
        self._stopping.set()
        for runner in self.runners:
            runner.interrupt()
        for runner in self.runners:
            if runner.thread is not None:
                runner.thread.join(timeout=10)

    def catch_up(self) -> None:
        """Run every follower to the head of the log in this thread (processes first, then what they derived)."""
        for _ in range(3):
            for runner in self.runners:
                while runner.step():
                    pass
            head = self.store.head()
            if all(self._target(runner, head) <= runner.position for runner in self.runners):
                return

    def wait(self, position: int, timeout: float) -> bool:
        """True once every follower reflects ``position`` and what the processes derived from it.

        Processes record what they derive at later positions, in the same transaction as their
        tracking; so once they have passed ``position``, those events lie at or below the head,
        and waiting for every follower to reach that head covers them. A follower has reached a
        position when it has handled the last event at or before it that it follows.
        """
        deadline = time.monotonic() + timeout
        if not self._wait_recorded(position, deadline):
            return False
        if self.inline:
            self.catch_up()
        if not self._wait_all(position, deadline):
            return False
        if any(runner.follower.stage == 0 for runner in self.runners):
            return self._wait_all(self.store.head(), deadline)
        return True

    def _wait_recorded(self, position: int, deadline: float) -> bool:
        """A position beyond the head is not recorded yet (or never will be): wait for the log to reach it."""
        while self.store.head() < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def _target(self, runner: Runner, position: int) -> int:
        return self.store.recorder.last_position(position, runner.follower.topics)

    def _wait_all(self, position: int, deadline: float) -> bool:
        return all(runner.wait(self._target(runner, position), deadline) for runner in self.runners)

    def status(self) -> list[dict[str, Any]]:
        """Each follower's position and lag; a follower run elsewhere (a worker) is read from its tracking record."""
        head = self.store.head()
        for runner in self.runners:
            if runner.thread is None:
                runner.refresh()
        return [
            {
                "name": r.name,
                "stage": r.follower.stage,
                "position": r.position,
                "lag": max(self._target(r, head) - r.position, 0),
                "error": r.error,
                "failing_at": r.failing_at,
                "failures": r.failures,
                "passed_over": [
                    {"position": p, "reason": r.set_aside[p].reason, "by": r.set_aside[p].by} for p in r.passed_over if p in r.set_aside
                ],
            }
            for r in self.runners
        ]
