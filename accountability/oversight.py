"""The ``Oversight`` application: the assessment policy (Art. 18) and the city government's spot checks (Art. 3)."""

from __future__ import annotations

import secrets
from typing import Protocol
from uuid import UUID, uuid4

from foundation.application import BaseApplication, Changes, Context, Recorded
from foundation.errors import InvalidInput, NotFound
from foundation.store import Store
from accountability.assessment import ASSESSMENT_POLICY_ID, DEFAULT_WEIGHTS, AssessmentPolicy, AssessmentWeights
from accountability.spot_checks import MAX_SIZE, SpotCheck, SpotScope


class CaseScope(Protocol):
    """The ids of the cases in a scope, and the log position they were read at (a read model's)."""

    def __call__(self, scope: SpotScope) -> tuple[list[str], int]: ...


class Oversight(BaseApplication):
    def __init__(self, store: Store, *, scope: CaseScope, snapshot_interval: int = 50) -> None:
        super().__init__(store, snapshot_every={AssessmentPolicy: snapshot_interval})
        self.scope = scope

    # ------------------------------------------------------------ queries

    def assessment_policy(self) -> tuple[AssessmentWeights, int]:
        """The weights in force and the policy version (0: the defaults, never changed)."""
        policy = self.find(ASSESSMENT_POLICY_ID)
        return (policy.weights, policy.version) if isinstance(policy, AssessmentPolicy) else (DEFAULT_WEIGHTS, 0)

    def spot_check(self, check_id: UUID) -> SpotCheck:
        check = self.find(check_id)
        if not isinstance(check, SpotCheck):
            raise NotFound("spot check", check_id)
        return check

    # ----------------------------------------------------------- commands

    def set_assessment_policy(self, weights: AssessmentWeights, *, ctx: Context) -> Recorded:
        def decide() -> Changes:
            policy = self.find(ASSESSMENT_POLICY_ID)
            if policy is None:
                policy = AssessmentPolicy.create(weights, now=ctx.now, actor=ctx.actor)
            else:
                self.check_version(ctx, policy)
                policy.set_weights(weights, now=ctx.now, actor=ctx.actor)
            return Changes(policy, result={**weights.model_dump(mode="json"), "policy_version": policy.version})

        return self.record(ctx, decide)

    def draw_spot_check(self, *, size: int, scope: SpotScope, seed: int | None = None, ctx: Context) -> Recorded:
        """Draw and record a sample of ``size`` cases from ``scope`` (a fresh random seed unless one is given)."""
        if not 1 <= size <= MAX_SIZE:
            raise InvalidInput("size", f"between 1 and {MAX_SIZE}")
        check_id = uuid4()
        chosen = seed if seed is not None else secrets.randbelow(2**53)

        def decide() -> Changes:
            case_ids, as_of = self.scope(scope)
            check = SpotCheck.take(
                check_id, scope=scope, seed=chosen, size=size, case_ids=case_ids, as_of=as_of, now=ctx.now, actor=ctx.actor
            )
            return Changes(check)

        return self.record(ctx, decide)
