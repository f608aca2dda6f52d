"""The case lifecycle against a plain model of its rules (issue 9): hypothesis drives random command
sequences and the passing of time through the ``Cases`` application and the timekeeper on a real
store, and after every step the answer (done, or refused with 403/404/409/422) and the case's
status, round and units agree with the model; a case with a unit past its due instant is overdue,
each lapse is recorded once at the instant it became true; a case rebuilt from its events alone
(no cache, no snapshot) equals the one the application loads.

The model is written from the contract (API.md, the README's readings), not from the code.
"""

from __future__ import annotations

import shutil
from collections import Counter
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from psycopg import sql

from foundation.aggregate import project
from foundation.errors import Forbidden, InvalidInput, NotAllowedNow, NotFound
from hotline.bootstrap import bootstrap
from tests.builders import AGENT, CENTER, CITY, handler
from tests.conftest import make_settings
from tests.world import accept, ctx, move_clock, seed_units

pytestmark = pytest.mark.storage

UNITS = ("U1", "U2", "U3")
WITH_UNIT = ("dispatched", "signed", "redo")
ACTIONS = ("dispatch", "sign", "return_dispatch", "decide_return", "reply", "revisit", "redo", "close", "urge")


@dataclass
class Model:
    """What the contract says about one case: its status, round, units and pending decisions."""

    status: str = "accepted"
    round: int = 0
    lead: str | None = None
    co: tuple[str, ...] = ()
    signed: set[str] = field(default_factory=set)
    units_ever: set[str] = field(default_factory=set)
    pending_return: str | None = None
    """The status the case had when its lead unit returned it, while the center has not ruled."""
    returned_round: bool = False
    revisited: set[int] = field(default_factory=set)
    urgings: int = 0

    def units(self) -> tuple[str, ...]:
        return (self.lead, *self.co) if self.lead else ()

    def unit_gate(self, unit: str, state_ok: bool, *, lead_only: bool = False) -> str | None:
        """A unit's command: unseen case 404, wrong state 409, not (the lead) on the round 403."""
        if unit not in self.units_ever:
            return "404"
        if not state_ok:
            return "409"
        if unit not in self.units() or self.returned_round:
            return "403"
        if lead_only and unit != self.lead:
            return "403"
        return None


class CaseLifecycle(RuleBasedStateMachine):
    database_url: Callable[[], tuple[str, Callable[[], None]]]

    def __init__(self) -> None:
        super().__init__()
        url, self.cleanup = self.database_url()
        self.hotline = bootstrap(make_settings(url, snapshot_interval=2))
        self.hotline.start()
        seed_units(self.hotline)
        self.case_id = accept(self.hotline)
        self.model = Model()
        self.cases = self.hotline.cases
        self.turns: Counter[tuple[str, ...]] = Counter()
        """Per state of the model, how many of its refusals this run tried."""

    def teardown(self) -> None:
        self.hotline.close()
        self.cleanup()

    def attempt(self, expected: str | None, command: Callable[[], Any]) -> None:
        try:
            command()
            got = None
        except NotAllowedNow:
            got = "409"
        except Forbidden:
            got = "403"
        except NotFound:
            got = "404"
        except InvalidInput:
            got = "422"
        assert got == expected, f"model says {expected or 'done'}, the application said {got or 'done'}; model {self.model}"

    # ------------------------------------------------------------------ commands

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        """Mostly an action the model allows now (so cases get far), sometimes one it refuses (so refusals are checked)."""
        moves = [*self.model_moves(), "advance"]
        if data.draw(st.integers(0, 3)):
            name = data.draw(st.sampled_from(moves))
        else:  # each state's refused actions in turn (hypothesis would mostly draw the first of a list)
            refusals = [action for action in ACTIONS if action not in moves]
            state = tuple(moves)
            name = refusals[self.turns[state] % len(refusals)]
            self.turns[state] += 1
        getattr(self, name)(data)

    def model_moves(self) -> list[str]:
        m = self.model
        # Archiving ends a case's life, so it is one move among several (the lifecycle gets far first).
        if m.status == "accepted":
            return ["dispatch", "decide_return"] if m.pending_return else ["dispatch"] * 4 + ["close"]
        if m.status in WITH_UNIT:
            moves = ["return_dispatch", "urge"] + ["sign"] * 3 * bool(set(m.units()) - m.signed)
            return moves + ["reply"] * 3 * (m.status in ("signed", "redo"))
        if m.status == "replied":
            return ["redo"] * 3 + ["close"] + ([] if m.round in m.revisited else ["revisit"] * 2)
        return []

    def now(self) -> datetime:
        return self.hotline.clock.now()

    def advance(self, data: st.DataObject) -> None:
        """Time passes (the timekeeper records what fell due); a case with a unit past its due instant is overdue."""
        to = self.now() + timedelta(hours=data.draw(st.sampled_from([6, 30, 80, 200])))
        move_clock(self.hotline, to)
        case = self.cases.find(self.case_id)
        if self.model.status in WITH_UNIT:
            assert case.overdue == (to >= case.current_round.deadline.lapses_at), (to, case.current_round.deadline)

    def unit(self, data: st.DataObject, *, lead: bool = False) -> str:
        """A unit on the case (its lead, for a lead's action) most of the time, any unit otherwise."""
        m = self.model
        likely = ((m.lead,) if lead else m.units()) if m.lead else UNITS
        return data.draw(st.sampled_from(likely)) if data.draw(st.integers(0, 3)) else data.draw(st.sampled_from(UNITS))

    def dispatch(self, data: st.DataObject) -> None:
        m = self.model
        lead = data.draw(st.sampled_from(UNITS))
        co = data.draw(st.lists(st.sampled_from(UNITS), max_size=2, unique=True))
        days = data.draw(st.sampled_from([1, 2, None]))
        expected = "409" if m.status != "accepted" else "422" if lead in co else None
        self.attempt(
            expected, lambda: self.cases.dispatch(self.case_id, lead_unit=lead, co_units=co, working_days=days, ctx=ctx(CENTER, self.now()))
        )
        if expected is None:
            m.status, m.round, m.lead, m.co, m.signed = "dispatched", m.round + 1, lead, tuple(co), set()
            m.units_ever |= {lead, *co}
            m.pending_return, m.returned_round = None, False

    def sign(self, data: st.DataObject) -> None:
        m = self.model
        unit = self.unit(data)
        open_ = m.status in WITH_UNIT and any(u not in m.signed for u in m.units())
        expected = m.unit_gate(unit, open_)
        if expected is None and unit in m.signed:
            expected = "409"
        self.attempt(expected, lambda: self.cases.sign(self.case_id, ctx=ctx(handler(unit), self.now())))
        if expected is None:
            m.signed.add(unit)
            if unit == m.lead and m.status == "dispatched":
                m.status = "signed"

    def return_dispatch(self, data: st.DataObject) -> None:
        m = self.model
        unit = self.unit(data, lead=True)
        expected = m.unit_gate(unit, m.status in WITH_UNIT, lead_only=True)
        self.attempt(expected, lambda: self.cases.return_dispatch(self.case_id, reason="not ours", ctx=ctx(handler(unit), self.now())))
        if expected is None:
            m.pending_return, m.status = m.status, "accepted"

    def decide_return(self, data: st.DataObject) -> None:
        m = self.model
        accepted = data.draw(st.booleans())
        expected = None if m.pending_return is not None else "409"
        returns = len(self.cases.find(self.case_id).returns)
        n = returns if expected is None else max(returns, 1)
        if expected == "409" and returns == 0:
            expected = "409"  # no return at all: the state refuses before the number is looked up
        self.attempt(expected, lambda: self.cases.decide_return(self.case_id, n, accepted=accepted, reason="ruled", ctx=ctx(CENTER, self.now())))
        if expected is None:
            m.status = "accepted" if accepted else m.pending_return
            m.returned_round = accepted
            m.pending_return = None

    def reply(self, data: st.DataObject) -> None:
        m = self.model
        unit = self.unit(data, lead=True)
        expected = m.unit_gate(unit, m.status in ("signed", "redo"), lead_only=True)
        self.attempt(expected, lambda: self.cases.reply(self.case_id, content="done", outcome="resolved", ctx=ctx(handler(unit), self.now())))
        if expected is None:
            m.status = "replied"

    def revisit(self, data: st.DataObject) -> None:
        m = self.model
        satisfied = data.draw(st.booleans())
        expected = None if m.status == "replied" and m.round not in m.revisited else "409"
        self.attempt(expected, lambda: self.cases.revisit(self.case_id, satisfied=satisfied, reply_matches_facts=True, ctx=ctx(AGENT, self.now())))
        if expected is None:
            m.revisited.add(m.round)

    def redo(self, data: st.DataObject) -> None:
        m = self.model
        expected = None if m.status == "replied" else "409"
        days = data.draw(st.sampled_from([1, None]))
        self.attempt(expected, lambda: self.cases.redo(self.case_id, reason="unsatisfied", working_days=days, ctx=ctx(CENTER, self.now())))
        if expected is None:
            m.status, m.round, m.signed = "redo", m.round + 1, set()

    def close(self, data: st.DataObject) -> None:
        m = self.model
        expected = None if m.status in ("accepted", "replied") and m.pending_return is None else "409"
        self.attempt(expected, lambda: self.cases.close_case(self.case_id, ctx=ctx(CENTER, self.now())))
        if expected is None:
            m.status = "closed"

    def urge(self, data: st.DataObject) -> None:
        m = self.model
        who = CITY if data.draw(st.booleans()) else CENTER
        unit = m.lead or "U1"
        expected = None if m.status in WITH_UNIT else "409"
        self.attempt(expected, lambda: self.cases.urge(self.case_id, method="sms", unit=unit, ctx=ctx(who, self.now())))
        if expected is None:
            m.urgings += 1

    # ---------------------------------------------------------------- invariants

    @invariant()
    def the_case_is_what_the_model_says(self) -> None:
        case = self.cases.find(self.case_id)
        m = self.model
        assert case.status == m.status
        assert case.round_number == m.round
        assert set(case.units_ever) == m.units_ever
        assert len(case.urgings) == m.urgings
        if m.round:
            assert (case.current_round.lead_unit, case.current_round.co_units) == (m.lead, m.co)
            assert {s.unit for s in case.current_round.signatures} == m.signed

    @invariant()
    def each_time_fact_once_at_the_instant_it_became_true(self) -> None:
        events = [event for _, event in self.hotline.store.positioned_events(self.case_id)]
        lapses = [event.round for event in events if type(event).__name__ == "HandlingDeadlineLapsed"]
        assert len(lapses) == len(set(lapses))
        for handling_round in self.cases.find(self.case_id).rounds:
            deadline = handling_round.deadline
            assert deadline.lapsed_at is None or (deadline.lapsed_at == deadline.lapses_at <= self.now())

    @invariant()
    def a_replay_from_events_alone_is_the_same_case(self) -> None:
        loaded = self.cases.find(self.case_id)
        replayed = project(event for _, event in self.hotline.store.positioned_events(self.case_id))
        assert replayed.state() == loaded.state() and replayed.version == loaded.version
        versions = [event.originator_version for _, event in self.hotline.store.positioned_events(self.case_id)]
        assert versions == list(range(1, loaded.version + 1))


def test_the_case_lifecycle_follows_the_model(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        def fresh() -> tuple[str, Callable[[], None]]:
            folder = tempfile.mkdtemp()
            return f"sqlite:///{folder}/hotline.sqlite3", lambda: shutil.rmtree(folder, ignore_errors=True)
        examples = 150
    else:
        base = database_url.split("?")[0]

        def fresh() -> tuple[str, Callable[[], None]]:
            schema = f"sm_{uuid.uuid4().hex[:12]}"

            def drop() -> None:
                with psycopg.connect(base, autocommit=True) as conn:
                    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))

            return f"{base}?schema={schema}", drop
        examples = 30

    machine = type("CaseLifecycleOn", (CaseLifecycle,), {"database_url": staticmethod(fresh)})
    run_state_machine_as_test(
        machine,
        # Derandomized, so CI explores the same sequences every run; no shrinking, so a failure is reported
        # in seconds (the message names the model's state and the step) rather than minutes.
        settings=settings(
            max_examples=examples, stateful_step_count=30, deadline=None, suppress_health_check=list(HealthCheck),
            database=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
        ),
    )
