"""An aggregate as its history stood at a point: the events recorded up to then, replayed."""

from __future__ import annotations

from typing import Any

from foundation.aggregate import project


def replayed(events: list[tuple[int, Any]], version: int) -> Any:
    """The aggregate made from its events up to ``version`` (None before its first event)."""
    return project(event for _, event in events if event.originator_version <= version)


def version_at_position(events: list[tuple[int, Any]], position: int) -> int:
    """The last version recorded at or before a global log position (exact, unlike instants that can tie)."""
    versions = [event.originator_version for recorded, event in events if recorded <= position]
    return versions[-1] if versions else 0
