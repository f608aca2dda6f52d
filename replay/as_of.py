"""An aggregate as it stood at an instant: its events recorded up to then, replayed."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from hotline.store import Store


def history(store: Store, aggregate_id: UUID) -> list[tuple[int, Any]]:
    """Every event of the aggregate with its global position, in version order."""
    return store.positioned_events(aggregate_id)


def version_at(events: list[tuple[int, Any]], instant: datetime) -> int:
    """The last version recorded at or before ``instant`` (0: the aggregate did not exist yet)."""
    versions = [event.originator_version for _, event in events if event.timestamp <= instant]
    return versions[-1] if versions else 0


def replayed(events: list[tuple[int, Any]], version: int) -> Any:
    """The aggregate made from its events up to ``version`` (None before its first event)."""
    aggregate = None
    for _, event in events:
        if event.originator_version > version:
            break
        aggregate = event.mutate(aggregate)
    return aggregate


def version_at_position(events: list[tuple[int, Any]], position: int) -> int:
    """The last version recorded at or before a global log position (exact, unlike instants that can tie)."""
    versions = [event.originator_version for recorded, event in events if recorded <= position]
    return versions[-1] if versions else 0
