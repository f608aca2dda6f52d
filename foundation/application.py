"""The base of every application service: the shared store, one transaction per command.

A command loads aggregates, lets them decide (they raise to refuse, recording nothing), and saves
what they recorded in one transaction, together with what is kept with it: the outcome of a command
sent with an ``Idempotency-Key`` and the indexes saved with the command (the deadline timers). A
concurrent write to the same aggregate makes the save fail; without ``If-Match`` the command is
decided again on the fresh state, with it the caller gets 412.

The application knows no HTTP: it returns the command's ``Outcome`` (the aggregate it acted on,
its version, the position of the last event recorded, and any computed result). The edge renders
an answer from that outcome, the first time and, from the kept outcome, every repeated time.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import orjson
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent, Repository
from eventsourcing.persistence import IntegrityError, Recording, Tracking
from eventsourcing.utils import Environment

from foundation.actors import Actor
from foundation.aggregate import Aggregate, Snapshot
from foundation.errors import NotFound, Unavailable, VersionMismatch
from foundation.recorders import IdempotencyKeyTaken, OutcomeClaim
from foundation.sql import Write
from foundation.store import Store

MAX_ATTEMPTS = 30


@dataclass(frozen=True)
class IdempotencyKey:
    """A client's ``Idempotency-Key`` for one request: the same key and request answer the same."""

    principal: str
    key: str
    fingerprint: str
    """A digest of the request (method, path, canonical body): the same key with another request is refused."""


@dataclass(frozen=True)
class Context:
    """Who acts, when (from the clock, never read in the domain), and the request's guards."""

    actor: Actor
    now: datetime
    expected_version: int | None = None
    idempotency: IdempotencyKey | None = None


@dataclass(frozen=True)
class Changes:
    """What a command decided: the aggregate it acted on, any others it changed, and a computed result."""

    subject: Aggregate | None
    others: Sequence[Aggregate] = ()
    result: Any = None
    """JSON-compatible; kept with the outcome so a repeated request answers with it too."""

    @property
    def aggregates(self) -> list[Aggregate]:
        """The others first: the subject's events end the command (its position is the command's)."""
        return [a for a in (*self.others, self.subject) if a is not None]


@dataclass(frozen=True)
class Outcome:
    """What a command did, enough to answer it again: the aggregate, its version, its position, a result."""

    aggregate_id: UUID | None
    version: int
    position: int
    result: Any = None

    def sealed(self) -> bytes:
        """The outcome as kept with the events (the position is filled in by the store)."""
        return orjson.dumps({"aggregate_id": self.aggregate_id and str(self.aggregate_id), "version": self.version, "result": self.result})

    @classmethod
    def unsealed(cls, data: bytes, position: int) -> Outcome:
        body = orjson.loads(data)
        aggregate_id = UUID(body["aggregate_id"]) if body["aggregate_id"] else None
        return cls(aggregate_id=aggregate_id, version=body["version"], position=position, result=body["result"])


@dataclass(frozen=True)
class Recorded:
    """A command's outcome and the aggregate it acted on, as it stands after the command."""

    outcome: Outcome
    aggregate: Any = None

    @property
    def position(self) -> int:
        return self.outcome.position

    @property
    def version(self) -> int:
        return self.outcome.version

    @property
    def result(self) -> Any:
        return self.outcome.result


class SharingRepository(Repository):
    """The library's repository, copying a cached aggregate shallowly for a command.

    The library deep-copies a cached aggregate so a command's changes cannot corrupt the cache. Our
    values are immutable and every ``apply`` replaces them, so a shallow copy that shares the values
    is as safe, and costs microseconds instead of a deep copy's hundreds.
    """

    def get(self, aggregate_id: Any, *, version: int | None = None, deepcopy_from_cache: bool = True, **kwargs: Any) -> Any:
        aggregate = super().get(aggregate_id, version=version, deepcopy_from_cache=False, **kwargs)
        if deepcopy_from_cache and self.cache is not None and version is None:
            aggregate = aggregate.model_copy()
            aggregate._pending = []  # noqa: SLF001 - the copy starts with no events of its own
        return aggregate


class Turns:
    """Commands on the same aggregate in one process take turns instead of colliding.

    Optimistic concurrency decides between processes: a save that finds the aggregate moved on
    fails and the command is decided again. Inside one process that is a storm: fifty commands on
    one case all load the same version, one saves, forty-nine decide again, and so on, until some
    run out of attempts and answer 503 (seen on a slow machine). Deciding and saving under a lock
    per aggregate makes them queue instead; between processes the retry still applies.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held: dict[Hashable, tuple[threading.Lock, int]] = {}

    @contextlib.contextmanager
    def of(self, key: Hashable | None) -> Iterator[None]:
        if key is None:
            yield
            return
        with self._guard:
            lock, users = self._held.get(key, (threading.Lock(), 0))
            self._held[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._held[key]
                if users == 1:
                    del self._held[key]
                else:
                    self._held[key] = (lock, users - 1)


class KeptIndex(Protocol):
    """An index written in the same transaction as the events of the aggregates it covers."""

    def writes(self, aggregates: Sequence[Aggregate]) -> list[Write]: ...


class BaseApplication(Application):
    """An application service on the shared store (one log, one mapper, one snapshot store)."""

    name = "hotline"
    snapshot_class = Snapshot

    def __init__(self, store: Store, *, snapshot_every: dict[type, int] | None = None, kept: Sequence[KeptIndex] = ()) -> None:
        self.store = store
        self.kept = tuple(kept)
        self.turns = Turns()
        super().__init__(env=None)
        self.snapshotting_intervals = dict(snapshot_every or {})

    def construct_env(self, name: str, env: Any = None) -> Environment:
        return self.store.env

    def construct_factory(self, env: Environment) -> Any:
        return self.store.factory

    def construct_mapper(self) -> Any:
        return self.store.mapper

    def construct_recorder(self) -> Any:
        return self.store.recorder

    def construct_event_store(self) -> Any:
        return self.store.events

    def construct_snapshot_store(self) -> Any:
        return self.store.snapshots

    def construct_repository(self) -> Repository:
        cache_size = self.store.config.cache_size
        return SharingRepository(event_store=self.events, snapshot_store=self.snapshots, cache_maxsize=cache_size or None)

    def close(self) -> None:
        """The store is shared and closed by whoever built it."""

    def _notify(self, recordings: list[Any]) -> None:
        """Wake the followers when events were recorded (a process that only moved its position records none)."""
        if recordings:
            self.store.bell.ring()

    # ----------------------------------------------------------- loading

    def find(self, aggregate_id: UUID) -> Any:
        """The aggregate, or None if nothing was recorded under that id."""
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def load(self, aggregate_id: UUID, what: str, *, version: int | None = None) -> Any:
        try:
            return self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(what, aggregate_id) from None

    # ----------------------------------------------------------- saving

    def record(self, ctx: Context, decide: Callable[[], Changes], *, turn: Hashable | None = None) -> Recorded:
        """Decide and save, retrying on a concurrent write unless the caller pinned a version.

        ``decide`` loads what it needs, checks ``ctx.expected_version`` on its subject (see
        :meth:`check_version`), lets the aggregates decide, and returns the ``Changes``. With
        ``turn`` (the subject's id, when the caller knows it), commands on it in this process take
        turns (``Turns``).
        """
        with self.turns.of(turn):
            return self._record_deciding(ctx, decide)

    def _record_deciding(self, ctx: Context, decide: Callable[[], Changes]) -> Recorded:
        for attempt in range(MAX_ATTEMPTS):
            changes = decide()
            subject = changes.subject
            outcome = Outcome(
                aggregate_id=subject.id if subject is not None else None,
                version=subject.version if subject is not None else 0,
                position=0,
                result=changes.result,
            )
            aggregates = changes.aggregates
            try:
                recordings = self.save(*aggregates, **self._kept_with(ctx, outcome, aggregates))
            except IdempotencyKeyTaken:
                raise
            except IntegrityError:
                if ctx.expected_version is not None and subject is not None:
                    self.evict([subject])
                    raise VersionMismatch(ctx.expected_version, self.repository.get(subject.id).version) from None
                self.evict(aggregates)
                self.store.retries += 1
                _back_off(attempt)
                continue
            position = _last_position(recordings) or self.store.head()
            return Recorded(Outcome(outcome.aggregate_id, outcome.version, position, outcome.result), subject)
        raise Unavailable("too many concurrent writes to the same record; nothing was recorded, try again", retry_after=1)

    def save_tracked(self, *aggregates: Aggregate, tracking: Tracking) -> list[Recording]:
        """Save what a process derived together with how far it has read the log (one transaction)."""
        processing = ProcessingEvent(tracking=tracking)
        processing.collect_events(*aggregates, **self._kept_with(None, None, aggregates))
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings

    def check_version(self, ctx: Context, aggregate: Aggregate) -> None:
        if ctx.expected_version is not None and ctx.expected_version != aggregate.version:
            raise VersionMismatch(ctx.expected_version, aggregate.version)

    def _kept_with(self, ctx: Context | None, outcome: Outcome | None, aggregates: Sequence[Aggregate]) -> dict[str, Any]:
        kept: dict[str, Any] = {"writes": [w for index in self.kept for w in index.writes(aggregates)]}
        key = ctx.idempotency if ctx is not None else None
        if key is not None and outcome is not None:
            kept["idempotency"] = OutcomeClaim(
                principal=key.principal,
                key=key.key,
                fingerprint=key.fingerprint,
                outcome=self.store.seal(outcome.sealed()),
                created_at=ctx.now,
            )
        return kept

    def evict(self, aggregates: Sequence[Aggregate]) -> None:
        cache = self.repository.cache
        if cache is not None:
            for aggregate in aggregates:
                with contextlib.suppress(KeyError):
                    cache.get(aggregate.id, evict=True)


def _last_position(recordings: Sequence[Recording]) -> int:
    return max((r.notification.id for r in recordings), default=0)


def _back_off(attempt: int) -> None:
    """Spread retries of a contended aggregate so one of them wins."""
    time.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # noqa: S311 - jitter, not security
