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
import re
import threading
import time
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, Protocol

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import IntegrityError, Notification, ProgrammingError, Tracking, TrackingRecorder
from eventsourcing.projection import Projection

from foundation.aggregate import project
from foundation.health import FollowerHealth
from foundation.setaside import SET_ASIDE_ID, SetAside
from foundation.sql import Cursor
from foundation.store import Store

log = logging.getLogger("hotline.followers")
SHAPES = "view_shapes"
INDEX = re.compile(r"^\s*CREATE INDEX IF NOT EXISTS (\w+) ON ")
"""Each read model's ``shape`` as its tables were made."""
BATCH = 500
"""At most this many events in a live batch (what one pull hands over)."""
CATCH_UP = 2000
"""Events per batch while catching up from the log (a start, a rebuild): fewer commits, and a case's
several events in one batch write its row once. Measured on the 10k bench store: 500 → 2000 cut a
rebuild's time by about a tenth; 5000 was slower again (larger transactions, more memory)."""
NEAR = 2000
"""A follower at most this many positions behind is waited for by one shared read of the topics in between."""


# ------------------------------------------------------------------------ views


class View(TrackingRecorder):
    """A read model's tables in the store's database, with its position in the store's tracking table.

    Handlers write through the view while a batch is open (``batch()``); the view then records the
    batch's position in the same transaction, moving it on only from where this process knows it
    stood (``record_positions``): either both commit or neither does, so a view is exactly once
    even across a crash or a second process following it. Its position is kept under the
    view's own ``name`` (one log, one tracking table for every follower).
    """

    name: str = ""
    tables: tuple[str, ...] = ()
    shape: str = "1"
    """The version of the view's tables: change it with them, and the view rebuilds from the log at its next setup."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sql = store.sql
        self._cursor: Cursor | None = None
        self.unindexed = False
        """True while the view is being built from the log without its secondary indexes (``index()``)."""
        self._kept: Any = None
        self._pending: Any = None
        self._uncommitted = False
        self._at: int | None = None
        """The view's position as this process last read or recorded it (what it keeps is as of it)."""

    @abstractmethod
    def schema(self) -> list[str]:
        """CREATE TABLE / INDEX statements (``IF NOT EXISTS``), with ``{table}`` placeholders."""

    def setup(self) -> None:
        """Create the view's tables; a view with no position yet starts from empty tables.

        A view that has recorded no position is new, or new under this name, or its ``shape``
        changed since its tables were made (views made before shapes were kept count as shape
        "1"): its position is forgotten, whatever tables it finds under its names are dropped and
        created again, and it rebuilds from the log. The position goes first, so a crash in
        between still rebuilds.
        """
        self._kept = self._pending = self._at = None
        with self.sql.transaction() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS {t} (name TEXT PRIMARY KEY, shape TEXT NOT NULL)", t=SHAPES)
        rows = self.sql.query("SELECT shape FROM {t} WHERE name = ?", (self.name,), t=SHAPES)
        made = rows[0]["shape"] if rows else "1"
        if made != self.shape and self.tracked():
            log.warning("read model %s changed shape (%s -> %s): it rebuilds from the log", self.name, made, self.shape)
            self.store.recorder.delete_tracking(self.name)
        fresh = not self.tracked()
        indexes = {statement for _, statement in self.indexes()}
        with self.sql.transaction() as cursor:
            if fresh:
                for table in self.tables:
                    cursor.execute("DROP TABLE IF EXISTS {t}", t=table)
            for statement in self.schema():
                if not (fresh and statement in indexes):  # a view built from the log gets its indexes once it is caught up
                    cursor.execute(statement, **{name: name for name in self.tables})
            cursor.execute("DELETE FROM {t} WHERE name = ?", (self.name,), t=SHAPES)
            cursor.execute("INSERT INTO {t} (name, shape) VALUES (?, ?)", (self.name, self.shape), t=SHAPES)
        self.unindexed = fresh and bool(indexes)

    def indexes(self) -> list[tuple[str, str]]:
        """The view's secondary indexes (name, statement) among ``schema()``.

        They serve queries only: a view's own writes find their rows by primary key. So a view
        built from the log (new, or reset for a rebuild) is built without them, and they are
        created once it has caught up (``index()``): maintaining them row by row during a rebuild
        costs more than building them at the end.
        """
        return [(found.group(1), statement) for statement in self.schema() if (found := INDEX.match(statement))]

    def index(self) -> None:
        """Create the secondary indexes a build from the log left out (nothing if there are none to create)."""
        if self.unindexed:
            with self.sql.transaction() as cursor:
                for _, statement in self.indexes():
                    cursor.execute(statement, **{name: name for name in self.tables})
            self.unindexed = False

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
        started = self.tracked() if self._at is None else self._at  # read before the transaction: one connection at a time
        with self.sql.transaction(storable=True, durable=False) as cursor:  # derived again after a power cut
            with self.joined(cursor):
                yield
            # on from where this process knows the view stands, as the group records (exactly once across processes)
            self.store.recorder.record_positions(cursor.raw, {self.name: started}, tracking.notification_id)
        self.committed(tracking.notification_id)

    @contextmanager
    def joined(self, cursor: Cursor) -> Iterator[None]:
        """The same, inside a transaction other views share (``Together``): the caller records the
        positions (several views' in one statement), commits, and then says so (``committed``)."""
        if self._uncommitted:  # the last batch's transaction did not commit: what was kept may be wrong
            self._kept = None
        self._cursor, self._pending, self._uncommitted = cursor, None, True
        try:
            yield
            self.flush()
        finally:
            self._cursor = None
            self.forget()

    def flush(self) -> None:
        """Write what the batch's handlers gathered (for views that gather rows before writing)."""

    def forget(self) -> None:
        """Drop what the batch gathered (after its transaction, committed or not)."""

    def kept(self) -> Any:
        """What the view knew at the end of its last committed batch (``keep``), or None: read it from the tables.

        Knowledge that is costly to read again each batch (a round trip per batch on PostgreSQL)
        and that only this view's own batches change: the tree's right edge, the calendar. It is
        dropped when a batch's transaction did not commit, when the tables are made again or
        reset, and whenever the view's recorded position is not the one it committed last
        (another process wrote the view: it should not, but then nothing stale is trusted).
        """
        return self._kept

    def keep(self, knowledge: Any) -> None:
        """To be ``kept()`` once this batch's transaction commits (never otherwise)."""
        self._pending = knowledge

    def committed(self, position: int, *, wrote: bool = True) -> None:
        """The transaction that recorded this view at ``position`` committed: what its batch kept is now known.

        ``wrote``: the view wrote in that transaction (``joined``). A transaction that only moved its
        position after one of its writes did not commit (a group's batch handled again in parts)
        carries nothing of that write: what it would have kept is dropped, not promoted.
        """
        if self._uncommitted:
            self._kept = self._pending if wrote else None
            self._pending, self._uncommitted = None, False
        self._at = position

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.batch(tracking):
            pass

    def max_tracking_id(self, application_name: str = "") -> int | None:
        """The position this view has recorded (the upstream is always the one log)."""
        return self.store.recorder.max_tracking_id(self.name)

    def tracked(self) -> int:
        found = self.max_tracking_id() or 0
        if found != self._at:
            self._kept = None  # recorded by someone else since: what this process kept may be stale
        self._at = found
        return found

    def reset(self) -> None:
        """Forget the view's rows and position; it rebuilds from the log (its secondary indexes afterwards)."""
        self._kept = self._pending = self._at = None
        with self.sql.transaction() as cursor:
            for name, _ in self.indexes():
                cursor.execute("DROP INDEX IF EXISTS {i}", i=name)
            for table in self.tables:
                cursor.execute("DELETE FROM {t}", t=table)
        self.store.recorder.delete_tracking(self.name)
        self.unindexed = bool(self.indexes())


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
            self.handle_events(events)

    def process_joined(self, cursor: Cursor, events: Sequence[tuple[Any, Tracking]]) -> None:
        """Handle ``events`` in a transaction shared with other views (``Together`` records the positions and commits)."""
        with self.view.joined(cursor):
            self.handle_events(events)

    def committed(self, position: int, *, wrote: bool = True) -> None:
        """The shared transaction that recorded this read model at ``position`` committed (``Together``)."""
        self.view.committed(position, wrote=wrote)

    def handle_events(self, events: Sequence[tuple[Any, Tracking]]) -> None:
        """What a batch does inside its transaction: each event to its handler (views that load rows first override this)."""
        handle = self.process_event  # bound once: the library's dispatching method is made anew on each access
        for event, tracking in events:
            handle(event, tracking)

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


class _MemberFailed(Exception):
    """A member of a group failed while handling its events (the cause): the group's transaction is abandoned."""

    def __init__(self, member: Any) -> None:
        super().__init__(member.name)
        self.member = member


class Together:
    """Read models that follow the log together: one pull, one decode and one transaction per batch for all.

    Each member still records its own position (in the shared transaction, at the batch's end, all
    in one statement, so members stay level and a wait on any of them needs no query). A member
    that fails on an event *leaves* the group (``leaving``): the transaction is rolled back and the
    others handle the batch again without it, while ``Followers`` runs it alone from its last
    position, where a poison event is pinpointed, reported and retried as for any follower, and
    can be set aside by decision. Members keep their names, so ``/health``, set-aside decisions
    and rebuilds still speak of each read model.
    """

    name = "read-models"
    stage = 1
    decodes = False
    """The group is handed the stored notifications and decodes each at most once, for every member that decodes."""

    def __init__(self, store: Store, members: Sequence[Any]) -> None:
        self.store = store
        self.members = list(members)
        self.topics: tuple[str, ...] = () if any(not m.topics for m in self.members) else tuple(sorted({t for m in self.members for t in m.topics}))
        self.positions: dict[str, int] = {}
        self.set_aside: dict[str, dict[int, SetAside]] = {}
        self.passed_over: dict[str, list[int]] = {m.name: [] for m in self.members}
        self.leaving: list[Any] = []
        """Members that failed on an event: ``Followers`` takes them out and runs each alone."""

    def setup(self) -> None:
        for member in self.members:
            member.setup()
        self.refresh()

    def refresh(self) -> None:
        self.positions = {member.name: member.tracked() for member in self.members}
        decisions = project(event for _, event in self.store.positioned_events(SET_ASIDE_ID))
        self.set_aside = {  # as for a follower alone (Runner.load_set_asides): none ever applies to the stored bytes' tree
            m.name: decisions.positions(m.name) if decisions is not None and getattr(m, "decodes", True) else {} for m in self.members
        }

    def tracked(self) -> int:
        """The position the group has to read from (its last member's); each member's own is noted again."""
        self.positions = {member.name: member.tracked() for member in self.members}
        return min(self.positions.values(), default=self.store.head())

    def process_batch(self, events: Sequence[tuple[Any, Tracking]]) -> None:
        notifications = [n for n, _ in events]
        end = notifications[-1].id
        decoded: dict[int, Any] = {}
        while True:
            try:
                moved = self._attempt(notifications, end, decoded)
            except _MemberFailed as failure:
                if not self._leave(failure.member, end):
                    raise failure.__cause__ from None  # noqa: B904 - it had passed this batch: not its failure to leave on
                continue  # the transaction was rolled back: the others handle the batch again without it
            break
        for name in moved:
            self.positions[name] = end

    def _attempt(self, notifications: Sequence[Notification], end: int, decoded: dict[int, Any]) -> list[str]:
        """One transaction: each member's events, then every position moved in one statement.

        A member whose handlers fail aborts the whole transaction (``_MemberFailed``): no member
        keeps writes of a batch whose position was not recorded, and the caller runs the batch
        again without it. That is the rare path; the usual one pays no savepoint per member.
        """
        moved: list[str] = []
        wrote: set[str] = set()
        with self.store.sql.transaction(storable=True, durable=False) as cursor:  # read models: derived again after a power cut
            for member in list(self.members):
                try:
                    mine = self._for(member, notifications, decoded)  # an event it cannot decode fails it here, before it wrote
                except Exception:
                    self._leave(member, end)
                    continue
                if mine:
                    wrote.add(member.name)
                    try:
                        member.process_joined(cursor, mine)
                    except Exception as error:
                        raise _MemberFailed(member) from error
                elif self.positions.get(member.name, 0) >= end:
                    continue
                moved.append(member.name)  # with events of its own, or none: only its position moves
            self.store.recorder.record_positions(cursor.raw, {name: self.positions.get(name, 0) for name in moved}, end)
        for member in self.members:
            if member.name in moved:
                member.committed(end, wrote=member.name in wrote)
        return moved

    def _leave(self, member: Any, position: int) -> bool:
        """The member failed on the batch ending at ``position``: unless it had passed it already, it leaves (True).

        Its position is the one known in memory: reading it from the store here would ask for a
        second connection while this thread holds the write transaction (a deadlock on SQLite's
        pool until it times out). If another process had recorded it, the member alone finds out.
        """
        if self.positions.get(member.name, 0) < position:
            log.exception("read model %s failed in the group; it leaves the group and goes on alone", member.name)
            self.members.remove(member)
            self.leaving.append(member)
            return True
        return False

    def _for(self, member: Any, notifications: Sequence[Notification], decoded: dict[int, Any]) -> list[tuple[Any, Tracking]]:
        """The member's events in the batch: after its position, of its topics, not set aside for it (said loudly)."""
        position, follows = self.positions.get(member.name, 0), frozenset(member.topics)
        aside, chosen = self.set_aside.get(member.name, {}), []
        for n in notifications:
            if n.id <= position or (follows and n.topic not in follows):
                continue
            if n.id in aside:
                log.warning("follower %s passes over position %d, set aside by %s: %s", member.name, n.id, aside[n.id].by, aside[n.id].reason)
                if n.id not in self.passed_over[member.name]:
                    self.passed_over[member.name].append(n.id)
                continue
            if getattr(member, "decodes", True):
                if n.id not in decoded:
                    decoded[n.id] = self.store.mapper.to_domain_event(n)
                chosen.append((decoded[n.id], Tracking(member.name, n.id)))
            else:
                chosen.append((n, Tracking(member.name, n.id)))
        return chosen


class Runner:
    """Runs one follower in its own thread, in batches, and answers waits on its position."""

    def __init__(self, follower: Follower, store: Store, *, linger: float = 0.0) -> None:
        self.follower = follower
        self.store = store
        self.linger = linger
        """Seconds to let a small live batch grow before handling it, unless someone waits (see ``_gather``)."""
        self.waiters = 0
        self.wanted = threading.Event()
        """Set while a query waits on this follower (``min_position``): no lingering then."""
        self.topic_set = frozenset(follower.topics)
        self.position = 0
        self.error: str | None = None
        self.failures = 0
        """How many batches failed since the service started (a metric for /health)."""
        self.batches = 0
        """Batches handled since the service started (``/metrics``: events per batch shows the lingering at work)."""
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
        self.adopt: Any = None
        """Called with each member that leaves a group this runner runs (``Together``)."""
        self.announce: Any = None
        """Called after each batch this runner recorded: tells processes that wait on it from elsewhere (PostgreSQL)."""
        self.report: Any = None
        """Called when a failure starts, repeats or ends: tells processes that wait on it from elsewhere (``FollowerHealth``)."""
        self._told: str | None = None
        """The failure last reported (None: none, or its end was reported)."""

    @property
    def name(self) -> str:
        return self.follower.name

    def refresh(self) -> None:
        self.load_set_asides()
        if isinstance(self.follower, Together):
            self.follower.refresh()
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
                finally:
                    while isinstance(self.follower, Together) and self.follower.leaving and self.adopt is not None:
                        self.adopt(self.follower.leaving[0])  # still found under the group until its own runner is there
                        self.follower.leaving.pop(0)
            if not kept or kept[-1].id != notifications[-1].id:
                self.store.recorder.insert_tracking(Tracking(self.name, notifications[-1].id))
                self.follower.tracked()  # a view learns where it stands now (its next batch moves on from there)
            self.batches += 1
        self._advance(notifications[-1].id)
        if self.announce is not None:
            try:
                self.announce()
            except Exception:  # noqa: BLE001 - a waiter elsewhere falls back to polling; following goes on
                log.warning("follower %s could not announce position %d", self.name, notifications[-1].id, exc_info=True)

    def step(self) -> bool:
        """Handle the next batch read directly from the log; False at the head (catching up without threads)."""
        position = self.follower.tracked()
        self._advance(position)
        batch = self.store.recorder.select_notifications(
            start=position, limit=CATCH_UP, topics=self.follower.topics, inclusive_of_start=False
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
                resume = self._resume_position()
                self.failing_at = self.failed_at or resume + 1
                self.failed_at = None
                self.error = f"{type(error).__name__}: {error}"
                log.exception(
                    "follower %s failed at position %d (failure %d); retrying from position %d in %.1fs",
                    self.name, self.failing_at, self.failures, resume, backoff,
                )
                self._report()
                stopping.wait(backoff)
                self._reload_set_asides()
                backoff = min(backoff * 2, 30.0)
            else:
                backoff = 0.5

    def _resume_position(self) -> int:
        """Where the next attempt starts: the tracked position, or the one known here when the store cannot
        say (it may be what failed; asking it again here must not end the follower's thread)."""
        try:
            return self.follower.tracked()
        except Exception:  # noqa: BLE001 - the retry reads it again once the store answers
            return self.position

    def _report(self) -> None:
        if self.report is None:
            return
        try:
            self.report(self.name, error=self.error, failing_at=self.failing_at, failures=self.failures)
            self._told = self.error
        except Exception:  # noqa: BLE001 - the store may be down: the next failure, or the next batch, reports again
            log.warning("follower %s could not report its health", self.name, exc_info=True)

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
                    batch = self._gather(subscription)
                    if not batch:
                        return
                    self.handle(batch)
                    self.error = self.failing_at = None
                    if self._told is not None:  # the failure's end is reported (again, until that succeeds)
                        self._report()
            finally:
                self._subscription = None

    def _gather(self, subscription: Any) -> Sequence[Notification]:
        """The next batch; a small one lingers a moment for what follows, so its cost is shared.

        Most of a batch's cost is fixed (a transaction, each read model's position, loading the
        rows it touches), so under a stream of commands handling one command's events at a time
        spends most of the followers' time on that. Lingering ``linger`` seconds lets the events of
        the next commands join. A query waiting on this follower (``min_position``) ends the
        lingering at once, so read-your-writes pays nothing for it.
        """
        batch = subscription.next_batch()
        if batch and self.linger and len(batch) < BATCH and not self.wanted.is_set():
            self.wanted.wait(self.linger)
            batch = [*batch, *subscription.more(BATCH - len(batch))]
        return batch

    @contextmanager
    def waited_on(self) -> Iterator[None]:
        """While a query waits for this follower: it handles what it has without lingering."""
        with self.condition:
            self.waiters += 1
            self.wanted.set()
        try:
            yield
        finally:
            with self.condition:
                self.waiters -= 1
                if not self.waiters:
                    self.wanted.clear()

    def interrupt(self) -> None:
        if self._subscription is not None:
            self._subscription.stop()

    def wait(self, position: int, deadline: float) -> bool:
        """Block until the follower's position reaches ``position`` (or the deadline passes)."""
        with self.waited_on(), self.condition:
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

    def __init__(
        self, store: Store, followers: Sequence[Follower], *, inline: bool = False, linger: float = 0.0, health: FollowerHealth | None = None
    ) -> None:
        self.store = store
        self.health = health
        """Where a worker's followers report their failures, and API processes read them (``status``)."""
        self.inline = inline
        self.linger = linger
        """Seconds a follower lets a small live batch grow (``Runner._gather``); 0: none."""
        """Catch up in the waiting thread (tests and tools) instead of running a thread per follower."""
        self.order = [f.name for f in followers]
        self.all = {f.name: f for f in followers}
        joinable = [f for f in followers if f.stage >= 1 and hasattr(f, "process_joined")]
        alone: list[Any] = [f for f in followers if f not in joinable]
        if len(joinable) > 1:
            alone.append(Together(store, joinable))
        else:
            alone += joinable
        self.announce: Any = None
        """After each batch, tell processes whose followers run here that positions moved (PostgreSQL; None: nobody to tell)."""
        self.reporting: Any = None
        """When a failure starts, repeats or ends, tell processes whose followers run here (None: nobody to tell)."""
        self.runners = [self._runner(f) for f in sorted(alone, key=lambda f: f.stage)]
        self._stopping = threading.Event()
        self._adopting = threading.Lock()
        self._listener: threading.Thread | None = None
        self.heard = 0
        """How often another process's announcement moved the positions known here (``listen``)."""

    def _runner(self, follower: Any) -> Runner:
        runner = Runner(follower, self.store, linger=self.linger)
        runner.adopt = self._adopt
        runner.announce = self.announce
        runner.report = self.reporting
        return runner

    def announcing(self) -> None:
        """Run as the worker of other processes (``hotline projections run``): announce each batch recorded.

        Those processes (``HOTLINE_FOLLOWERS=external``) ``listen``. On SQLite there is nothing to
        announce with: they poll.
        """
        self.announce = getattr(self.store.recorder, "announce_position", None)
        if self.health is not None:
            self.health.setup()
            self.reporting = self.health.report
            for name in dict.fromkeys([*self.order, *(runner.name for runner in self.runners)]):
                self.health.report(name, error=None, failing_at=None, failures=0)  # what a worker before this one left
        for runner in self.runners:
            runner.announce = self.announce
            runner.report = self.reporting

    def listen(self) -> None:
        """In a process whose followers run elsewhere (a worker): wake its waits when that process records positions.

        Without it a wait here polls the store every 50 ms; on PostgreSQL the worker announces each
        batch it recorded (``announce``), and one read of every position answers all waits at once.
        SQLite has no notifications between processes: there the polling stays.
        """
        heard = getattr(self.store.recorder, "heard_positions", None)
        if heard is None or self._listener is not None:
            return
        self._listener = threading.Thread(target=self._hear, args=(heard,), name="followers-heard", daemon=True)
        self._listener.start()

    def _hear(self, heard: Any) -> None:
        while not self._stopping.is_set():
            try:
                for _ in heard(self._stopping):
                    self._learn_positions()
            except Exception:  # noqa: BLE001 - the store may be down: waits poll meanwhile; listen again
                log.warning("could not listen for the followers' positions; retrying", exc_info=True)
                self._stopping.wait(1.0)

    def _learn_positions(self) -> None:
        known = self.store.recorder.positions()
        for runner in self.runners:
            follower = runner.follower
            names = [m.name for m in follower.members] if isinstance(follower, Together) else [runner.name]
            runner._advance(min((known.get(name, 0) for name in names), default=0))  # noqa: SLF001
        self.heard += 1

    def _adopt(self, member: Any) -> None:
        """A member left its group (it failed on an event): from now on it runs alone, from its own position."""
        runner = self._runner(member)
        runner.refresh()
        with self._adopting:
            self.runners = [*self.runners, runner]
        if self.running and not self._stopping.is_set():
            runner.thread = threading.Thread(target=runner.run, args=(self._stopping,), name=f"follower-{runner.name}", daemon=True)
            runner.thread.start()

    def setup(self) -> None:
        for runner in self.runners:
            runner.follower.setup()
            runner.refresh()

    def runner(self, name: str) -> Runner:
        """The runner that runs the follower ``name`` now (its group's, while it is in one)."""
        return next(
            r for r in self.runners
            if r.name == name or (isinstance(r.follower, Together) and name in {m.name for m in [*r.follower.members, *r.follower.leaving]})
        )

    def follower(self, name: str) -> Any:
        return self.all[name]

    def followers(self) -> list[Any]:
        """Every follower, in the order given (members of a group included)."""
        return [self.all[name] for name in self.order]

    def alone(self, name: str) -> Runner:
        """A runner of its own for the follower ``name`` (rebuilding one read model while the others are stopped)."""
        return Runner(self.all[name], self.store)

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
        if self._listener is not None:
            self._listener.join(timeout=5)
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
                break
        for follower in self.all.values():  # caught up: the indexes a build from the log left out
            if isinstance(getattr(follower, "view", None), View):
                follower.view.index()

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

    def _targets(self, position: int) -> dict[str, int]:
        """For each follower behind ``position``, the last event at or before it that the follower follows.

        A follower of every event must reach ``position`` itself (no query). For the others, one
        read of the positions and topics those behind have still to pass (not one query per
        follower); a follower far behind (a rebuild) is asked on its own instead.
        """
        behind = [runner for runner in self.runners if runner.position < position]
        targets = {runner.name: position for runner in behind if not runner.topic_set}
        behind = [runner for runner in behind if runner.topic_set]
        near = [runner for runner in behind if position - runner.position <= NEAR]
        targets |= {runner.name: self._target(runner, position) for runner in behind if runner not in near}
        if near:
            passed = self.store.recorder.topics_between(min(runner.position for runner in near), position)
            for runner in near:
                follows = runner.topic_set
                targets[runner.name] = max(
                    (at for at, topic in passed if at > runner.position and (not follows or topic in follows)), default=runner.position
                )
        return targets

    def _wait_all(self, position: int, deadline: float) -> bool:
        targets = self._targets(position)
        waited = [runner for runner in self.runners if runner.name in targets]
        with ExitStack() as stack:
            for runner in waited:  # every one stops lingering now, not only once the one before is through
                stack.enter_context(runner.waited_on())
            return all(runner.wait(targets[runner.name], deadline) for runner in waited)

    def status(self) -> list[dict[str, Any]]:
        """Each follower's position and lag (a member of a group: the group's); a follower run elsewhere (a worker) is read from its tracking record."""
        head = self.store.head()
        runners = self.runners
        for runner in runners:
            if runner.thread is None:
                runner.refresh()
        reported = self.health.reported() if self.health is not None and not self.running else {}
        lags = {r.name: max(self._target(r, head) - r.position, 0) for r in runners}
        found = []
        for name in self.order:
            r = self.runner(name)
            if isinstance(r.follower, Together):
                aside, passed = r.follower.set_aside.get(name, {}), r.follower.passed_over.get(name, [])
                position = r.follower.positions.get(name, r.position) if r.thread is None else r.position
            else:
                aside, passed, position = r.set_aside, r.passed_over, r.position
            elsewhere = _failing(reported, name, r.name)  # run in a worker: what it reported
            found.append(
                {
                    "name": name,
                    "stage": self.all[name].stage,
                    "position": position,
                    "lag": max(lags[r.name] + r.position - position, 0),
                    "error": r.error or elsewhere.get("error"),
                    "failing_at": r.failing_at or elsewhere.get("failing_at"),
                    "failures": r.failures or elsewhere.get("failures") or 0,
                    "batches": r.batches,
                    "passed_over": [{"position": p, "reason": aside[p].reason, "by": aside[p].by} for p in passed if p in aside],
                }
            )
        return found


def _failing(reported: dict[str, dict[str, Any]], name: str, runner: str) -> dict[str, Any]:
    """What a worker reported for the follower ``name``: its own failure, else its group's (``runner``), if either fails."""
    rows = [reported.get(name) or {}, reported.get(runner) or {}]
    return next((row for row in rows if row.get("error")), rows[0])
