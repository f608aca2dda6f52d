"""Setting aside a poison event: an operator's recorded decision that a follower passes over one position.

A follower that cannot handle an event (it cannot be decoded, or a handler fails on it every time)
stops there, says so (``/health``, ``/metrics``, the log) and retries with backoff: it never skips
an event by itself. When the event cannot be handled by any fix of the follower's code, an
operator records a ``SetAside`` (``hotline followers set-aside --position P --reason ...``): a new
event in the log, with who decided, when and why. Followers then pass over that position, log a
warning each time they do, and list it in ``/health``. The log itself never changes: a rebuild
from scratch reads the same decision and passes over the same position.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from foundation.aggregate import Aggregate, Created, DomainEvent, Value
from foundation.application import BaseApplication, Changes, Context, Recorded
from foundation.errors import InvalidInput

SET_ASIDE_ID: UUID = uuid5(NAMESPACE_URL, "hotline:set-aside")


class SetAside(Value):
    position: int
    followers: tuple[str, ...] = ()
    """The followers that pass over it; empty: every follower."""
    reason: str
    by: str
    at: datetime

    def concerns(self, follower: str) -> bool:
        return not self.followers or follower in self.followers


class SetAsides(Aggregate):
    """Every set-aside decision, in the order they were taken."""

    entries: tuple[SetAside, ...] = ()

    class Opened(Created):
        pass

    class Decided(DomainEvent):
        entry: SetAside

        def apply(self, aggregate: SetAsides) -> None:
            aggregate.entries = (*aggregate.entries, self.entry)

    def positions(self, follower: str) -> dict[int, SetAside]:
        return {e.position: e for e in self.entries if e.concerns(follower)}


class Operations(BaseApplication):
    """Operator decisions recorded in the log."""

    def set_aside(self, *, position: int, followers: Sequence[str], reason: str, ctx: Context) -> Recorded:
        if not reason.strip():
            raise InvalidInput("reason", "say why the event is set aside")

        def decide() -> Changes:
            head = self.store.head()
            if not 1 <= position <= head:
                raise InvalidInput("position", f"the log holds positions 1 to {head}")
            decisions = self.find(SET_ASIDE_ID) or SetAsides.start(SetAsides.Opened, id=SET_ASIDE_ID, now=ctx.now, actor=ctx.actor)
            entry = SetAside(position=position, followers=tuple(followers), reason=reason, by=ctx.actor.staff, at=ctx.now)
            decisions.trigger(SetAsides.Decided, now=ctx.now, actor=ctx.actor, entry=entry)
            return Changes(decisions)

        return self.record(ctx, decide)
