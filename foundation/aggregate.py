"""Event-sourced building blocks shared by every aggregate of the hotline.

Events and aggregates are pydantic models, so one serialisation path (``model_dump`` /
``model_validate``) covers stored events and snapshots alike, and a snapshot restores
datetimes, dates and nested values exactly as they were.

The rules these classes enforce:

* an event carries every value it assigns; ``apply`` only assigns (no clock, no random,
  no settings), so replaying a history always gives the same state;
* the instant an event was recorded (``timestamp``) and who recorded it (``actor``) are
  given by the caller, never read here;
* ``class_version`` and ``upcast_vN_vN+1`` static methods keep old stored events and
  snapshots readable after a schema change.
"""

from __future__ import annotations

from datetime import datetime
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Self, TypeVar
from uuid import UUID

from eventsourcing.utils import get_topic, register_topic, resolve_topic
from pydantic import BaseModel, ConfigDict, PrivateAttr

from foundation.actors import Actor

V = TypeVar("V")


class Value(BaseModel):
    """A value an event carries and an aggregate holds: immutable, so an ``apply`` replaces it.

    An event and the aggregate it was applied to may hold the same value object; because neither
    can change it, a later event can never reach back into an earlier one. Sequences in values
    are tuples for the same reason.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")


def replaced(items: Sequence[V], index: int, value: V) -> tuple[V, ...]:
    """``items`` with the element at ``index`` replaced by ``value`` (a new tuple)."""
    return (*items[:index], value, *items[index + 1 :])


class DomainEvent(BaseModel):
    """Something that happened to an aggregate, recorded once and never changed."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    class_version: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    """The instant the event was recorded, as told by the clock of the caller."""
    actor: Actor

    def mutate(self, aggregate: Any) -> Any:
        """Check the event is the next one for ``aggregate``, then apply it."""
        if aggregate.id != self.originator_id:
            raise ValueError(f"event for {self.originator_id} applied to {aggregate.id}")
        if self.originator_version != aggregate.version + 1:
            raise ValueError(
                f"event version {self.originator_version} does not follow {aggregate.version}"
            )
        self.apply(aggregate)
        aggregate.version = self.originator_version
        aggregate.modified_on = self.timestamp
        return aggregate

    def apply(self, aggregate: Any) -> None:
        """Assign what the event carries. Subclasses override."""

    @classmethod
    def upcast(cls, state: dict[str, Any]) -> dict[str, Any]:
        """Bring a stored state written by an older ``class_version`` up to date."""
        from_version = state.pop("class_version", 1)
        while from_version < cls.class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        return state


class Created(DomainEvent):
    """The first event of an aggregate: it constructs the aggregate it belongs to."""

    aggregate_class: ClassVar[type[Aggregate]]

    def mutate(self, aggregate: Any) -> Any:
        if aggregate is not None:
            raise ValueError("a created event must start a new aggregate")
        new = self.aggregate_class.model_construct(
            id=self.originator_id,
            version=self.originator_version,
            created_on=self.timestamp,
            modified_on=self.timestamp,
        )
        new._pending = []
        self.apply(new)
        return new


class Aggregate(BaseModel):
    """A consistency boundary whose state is the fold of its events."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)
    class_version: ClassVar[int] = 1

    id: UUID
    version: int = 0
    created_on: datetime
    modified_on: datetime
    _pending: list[DomainEvent] = PrivateAttr(default_factory=list)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for value in vars(cls).values():
            if isinstance(value, type) and issubclass(value, Created):
                value.aggregate_class = cls

    @classmethod
    def start(
        cls, event_class: type[Created], *, id: UUID, now: datetime, actor: Actor, **fields: Any
    ) -> Self:
        """Create the aggregate by recording its first event."""
        event = event_class(
            originator_id=id, originator_version=1, timestamp=now, actor=actor, **fields
        )
        aggregate = event.mutate(None)
        aggregate._pending.append(event)
        return aggregate

    def trigger(
        self, event_class: type[DomainEvent], *, now: datetime, actor: Actor, **fields: Any
    ) -> None:
        """Record the next event: construct it, apply it, keep it until saved."""
        event = event_class(
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=now,
            actor=actor,
            **fields,
        )
        event.mutate(self)
        self._pending.append(event)

    def collect_events(self) -> list[DomainEvent]:
        """Hand over the events recorded since the aggregate was loaded (the library's save)."""
        collected, self._pending = self._pending, []
        return collected

    @property
    def pending_events(self) -> list[DomainEvent]:
        return list(self._pending)

    def state(self) -> dict[str, Any]:
        """The aggregate's state as JSON-compatible values, for snapshots and comparisons."""
        return self.model_dump(mode="json", exclude={"id", "version"})


class Snapshot(BaseModel):
    """The state of an aggregate at a version, so long histories need not be replayed."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    class_version: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    topic: str
    state: dict[str, Any]

    @classmethod
    def take(cls, aggregate: Aggregate) -> Snapshot:
        """Snapshot ``aggregate``; stamped with its own last modification, not a clock."""
        state = aggregate.state()
        state["class_version"] = type(aggregate).class_version
        return cls(
            originator_id=aggregate.id,
            originator_version=aggregate.version,
            timestamp=aggregate.modified_on,
            topic=get_topic(type(aggregate)),
            state=state,
        )

    def mutate(self, _: None) -> Aggregate:
        """Rebuild the aggregate, with its values validated back into their types."""
        cls = resolve_topic(self.topic)
        state = dict(self.state)
        from_version = state.pop("class_version", 1)
        while from_version < cls.class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        aggregate = cls.model_validate(
            {**state, "id": self.originator_id, "version": self.originator_version}
        )
        aggregate._pending = []
        return aggregate

    @classmethod
    def upcast(cls, state: dict[str, Any]) -> dict[str, Any]:
        state.pop("class_version", None)
        return state


TAggregate = TypeVar("TAggregate", bound=Aggregate)


def project(events: Iterable[DomainEvent | Snapshot]) -> Any:
    """The aggregate its events (after an optional snapshot) make, or None for no events: a replay."""
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


# Stored before the foundation package existed (the snapshot class lived in ``cases.aggregate``).
register_topic("cases.aggregate:Snapshot", Snapshot)
