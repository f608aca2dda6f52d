"""The base of every application service: the shared store, one transaction per command.

A command loads aggregates, lets them decide (they raise to refuse, recording nothing), and
saves what they recorded in one transaction, together with the ``Idempotency-Key`` answer if
the caller sent one. A concurrent write to the same aggregate makes the save fail; without
``If-Match`` the command is decided again on the fresh state, with it the caller gets 412.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import contextlib
import random
import time

import orjson
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import Environment

from cases.actors import Actor
from cases.aggregate import Aggregate, Snapshot
from cases.errors import NotFound, VersionMismatch
from hotline.store import IdempotencyKeyTaken, IdempotencyRecord, Store

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)
MAX_ATTEMPTS = 30


@dataclass(frozen=True)
class IdempotencyClaim:
    """A command sent with an ``Idempotency-Key``: how to store its answer with its events."""

    principal: str
    key: str
    fingerprint: str
    render: Callable[[Any], tuple[int, dict[str, Any]]]
    """Turns the command's outcome into the (status, body) the client gets, minus ``position``."""


@dataclass(frozen=True)
class Context:
    """Who acts, when (from the clock, never read in the domain), and the request's guards."""

    actor: Actor
    now: datetime
    expected_version: int | None = None
    idempotency: IdempotencyClaim | None = None


@dataclass
class Recorded(Generic[T]):
    """What a command returns: its outcome, the aggregate's version and the last position recorded."""

    value: T
    version: int
    position: int
    aggregate: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class HotlineApplication(Application):
    """An application service on the shared store (one log, one mapper, one snapshot store)."""

    name = "hotline"
    snapshot_class = Snapshot

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = "hotline"

    def __init__(self, store: Store) -> None:
        self.store = store
        super().__init__(env=None)

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

    def close(self) -> None:
        """The store is shared and closed by whoever built it."""

    def _notify(self, recordings: list[Any]) -> None:
        self.store.bell.ring()

    def save_tracked(self, *aggregates: Aggregate, tracking: Tracking) -> list[Any]:
        """Save what a process derived together with how far it has read the log (one transaction)."""
        processing = ProcessingEvent(tracking=tracking)
        processing.collect_events(*aggregates)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings

    # ----------------------------------------------------------- commands

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

    def record(self, ctx: Context, decide: Callable[[], tuple[Sequence[Aggregate], T, Aggregate | None]]) -> Recorded[T]:
        """Decide and save, retrying on a concurrent write unless the caller pinned a version.

        ``decide`` loads what it needs, checks ``ctx.expected_version`` on the main aggregate
        (see :meth:`check_version`), calls the aggregates, and returns
        ``(aggregates to save, outcome, main aggregate)``.
        """
        for _attempt in range(MAX_ATTEMPTS):
            aggregates, outcome, main = decide()
            version = main.version if main is not None else 0
            result = Recorded(value=outcome, version=version, position=0, aggregate=main)
            kwargs = self._idempotency_kwargs(ctx, result)
            try:
                recordings = self.save(*aggregates, **kwargs)
            except IdempotencyKeyTaken:
                raise
            except IntegrityError:
                if ctx.expected_version is not None and main is not None:
                    self.evict([main])
                    raise VersionMismatch(ctx.expected_version, self.repository.get(main.id).version) from None
                self.evict(aggregates)
                _back_off(_attempt)
                continue
            result.position = max((r.notification.id for r in recordings), default=0) or self.store.head()
            return result
        raise RuntimeError("too many concurrent writes to the same aggregate; try again")

    def check_version(self, ctx: Context, aggregate: Aggregate) -> None:
        if ctx.expected_version is not None and ctx.expected_version != aggregate.version:
            raise VersionMismatch(ctx.expected_version, aggregate.version)

    def _idempotency_kwargs(self, ctx: Context, result: Recorded[Any]) -> dict[str, Any]:
        claim = ctx.idempotency
        if claim is None:
            return {}
        status, body = claim.render(result)
        record = IdempotencyRecord(
            principal=claim.principal,
            key=claim.key,
            fingerprint=claim.fingerprint,
            status=status,
            body=self.store.seal(orjson.dumps(body)),
            created_at=ctx.now,
        )
        return {"idempotency": record}

    def evict(self, aggregates: Sequence[Aggregate]) -> None:
        cache = self.repository.cache
        if cache is not None:
            for aggregate in aggregates:
                with contextlib.suppress(KeyError):
                    cache.get(aggregate.id, evict=True)


def _back_off(attempt: int) -> None:
    """Spread retries of a contended aggregate (e.g. the day's case numbers) so one of them wins."""
    time.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # noqa: S311 - jitter, not security
