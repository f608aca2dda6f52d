"""The audit service: signed heads, inclusion and consistency proofs, the full check, the dossier.

What an outsider gets from here is checkable without trusting the database's administrator:
a proof names the exact bytes stored for each event (``leaf_input``), the path from that leaf to
the root of a signed head, the head as a C2SP checkpoint and the public key that signed it
(``replay/verify_proof.py`` checks all of it offline).

A proof is always against a signed head that covers the events asked for: the latest one, or, if
the latest was signed before those events were recorded, one signed on the spot (heads are the
log's own attestation, not domain events). Whoever may see a case may have its proof; anyone
else gets the same 404 as for the case itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from accountability.application import Findings
from accountability.finding import Finding
from cases.application import Cases
from cases.case import Case
from foundation.actors import Actor
from foundation.errors import InvalidInput, NotFound, Unavailable
from foundation.store import Store
from replay.heads import Heads, Notary, SignedHead, b64
from replay.integrity import Report, Target, verify
from replay.merkle import encode_leaf, leaf_hash
from replay.review import review
from replay.tree import TreeView


@dataclass
class Dossier:
    """Everything an Art. 16 appeal or a referral rests on, as the reader may see it."""

    finding: Finding
    review: dict[str, Any]
    cases: list[tuple[Case, list[tuple[int, Any]]]]
    hidden: list[str]
    """Basis cases the reader may not see: named, nothing else."""
    proofs: dict[str, dict[str, Any]]
    head: SignedHead
    public_key: bytes
    origin: str
    generated_at: datetime
    notes: list[str] = field(default_factory=list)


class Audit:
    def __init__(
        self,
        *,
        store: Store,
        tree: TreeView,
        heads: Heads,
        notary: Notary | None,
        cases: Cases,
        findings: Findings,
        wait: Callable[[int], bool],
        now: Callable[[], datetime],
        origin: str,
    ) -> None:
        self.store = store
        self.tree = tree
        self.heads = heads
        self.notary = notary
        self.cases = cases
        self.findings = findings
        self.wait = wait
        self.now = now
        self.origin = origin

    @property
    def public_key(self) -> bytes | None:
        return self.notary.signer.public_key if self.notary is not None else None

    def status(self) -> dict[str, Any]:
        """For ``/health``: whether heads are signed, the latest one, and the last signing failure."""
        latest = self.heads.latest()
        return {
            "signing": self.notary is not None,
            "latest_head": {"size": latest.size, "time": latest.as_dict()["time"]} if latest else None,
            "signing_error": self.notary.last_error if self.notary is not None else None,
        }

    def _notary(self) -> Notary:
        if self.notary is None:
            raise Unavailable("no audit signing key is configured (HOTLINE_AUDIT_KEY)", retry_after=3600)
        return self.notary

    # ---------------------------------------------------------------- heads

    def sign(self) -> SignedHead:
        """Sign the tree's head now (on demand), once the tree has every event recorded so far."""
        notary = self._notary()
        self._covering(self.store.head())
        return notary.sign()

    def latest(self) -> SignedHead:
        head = self.heads.latest()
        if head is None:
            raise NotFound("signed tree head", "(none yet)")
        return head

    def page(self, *, before: tuple[int, int] | None, limit: int) -> list[SignedHead]:
        return self.heads.page(before=before, limit=limit)

    def consistency(self, first: int, second: int | None) -> dict[str, Any]:
        """RFC 9162 §2.1.4: the proof that the head of size ``second`` extends the one of size ``first``."""
        if second is None:
            second = self.latest().size
        if first > second:
            raise InvalidInput("from", f"from ({first}) must not be larger than to ({second})")
        older, newer = self._head_of("from", first), self._head_of("to", second)
        self._tree_has(second)
        return {
            "origin": self.origin,
            "public_key": b64(self.public_key) if self.public_key else None,
            "from": older.as_dict(),
            "to": newer.as_dict(),
            "proof": [b64(h) for h in self.tree.consistency(first, second)],
        }

    def _head_of(self, name: str, size: int) -> SignedHead:
        try:
            return self.heads.at_size(size)
        except NotFound:
            raise InvalidInput(name, f"no signed head has size {size}; GET /v1/audit/heads lists them") from None

    # --------------------------------------------------------------- proofs

    def case_proof(self, case_id: UUID, actor: Actor, *, tree_size: int | None = None) -> dict[str, Any]:
        """Inclusion proofs of every event of a case the principal may see (404 otherwise)."""
        case = self.cases.case(case_id, actor)
        rows = self.store.recorder.select_positioned(case_id)
        head = self._head_for(rows, tree_size)
        proof = self._proof(case_id, rows, head, reveal=self._reveals(case, actor))
        return {"case_id": str(case_id), **proof}

    def _proof(self, aggregate_id: UUID, rows: Sequence[tuple[int, StoredEvent]], head: SignedHead, *, reveal: bool) -> dict[str, Any]:
        self._tree_has(head.size)
        indexes, paths = self.tree.paths_for([position for position, _ in rows], head.size)
        included = [(position, stored, indexes[position]) for position, stored in rows if indexes.get(position, head.size) < head.size]
        leaves = []
        for position, stored, index in included:
            leaf_input = encode_leaf(stored.originator_id, stored.originator_version, stored.topic, bytes(stored.state))
            leaves.append(
                {
                    "version": stored.originator_version,
                    "position": position,
                    "leaf_index": index,
                    "leaf_input": b64(leaf_input) if reveal else None,
                    "leaf_hash": b64(leaf_hash(leaf_input)),
                    "inclusion_path": [b64(h) for h in paths[index]],
                }
            )
        done = {position for position, _, _ in included}
        return {
            "aggregate_id": str(aggregate_id),
            "origin": self.origin,
            "tree_size": head.size,
            "root_hash": b64(head.root),
            "time": head.as_dict()["time"],
            "checkpoint": head.checkpoint,
            "public_key": b64(self.public_key) if self.public_key else None,
            "leaves": leaves,
            "pending": [{"version": s.originator_version, "position": p} for p, s in rows if p not in done],
            "content": self._content(reveal),
        }

    def _content(self, reveal: bool) -> str:
        if not reveal:
            return "leaf_input withheld: the log is not encrypted and these events carry data you may not see; leaf hashes only"
        if self.store.cipher is None:
            return "leaf_input is the stored record (the log is not encrypted)"
        return "leaf_input is the stored record; its state is encrypted (AES-GCM): the hash covers the encrypted bytes"

    def _reveals(self, case: Case, actor: Actor) -> bool:
        """Stored bytes may be shown when they are encrypted, or to whoever may see the requester in full."""
        if self.store.cipher is not None:
            return True
        return actor.has("center") if case.confidential else actor.has("center", "agent")

    def _head_for(self, rows: Sequence[tuple[int, StoredEvent]], tree_size: int | None) -> SignedHead:
        if tree_size is not None:
            return self._head_of("tree_size", tree_size)
        last = max((position for position, _ in rows), default=0)
        self._covering(last)
        needed = max(self.tree.leaves_at([last]).values(), default=-1) + 1
        latest = self.heads.latest()
        if latest is not None and latest.size >= needed:
            return latest
        if self.notary is None:
            if latest is None:
                self._notary()
            return latest  # type: ignore[return-value]
        return self.notary.sign()

    def _covering(self, position: int) -> None:
        """Wait (bounded) until the tree holds every event up to ``position``."""
        if position > 0 and not self.wait(position):
            raise Unavailable(f"the integrity tree has not reached position {position} yet", retry_after=1)

    def _tree_has(self, size: int) -> None:
        if self.tree.size() < size:
            raise Unavailable("the integrity tree is being rebuilt from the log", retry_after=5)

    # ------------------------------------------------------------ full check

    def verify(self, *, checkpoints: Sequence[Target] = (), progress: Callable[[int, int], None] | None = None) -> Report:
        return verify(self.store, self.tree, self.heads.all(), self.public_key, checkpoints=checkpoints, progress=progress)

    # --------------------------------------------------------------- dossier

    def dossier(self, finding_id: UUID, actor: Actor) -> Dossier:
        """The finding, its decisions, its basis cases as the reader may see them, the review, and proofs."""
        finding = self.findings.finding(finding_id, actor)
        now = self.now()
        visible: list[tuple[Case, list[tuple[int, Any]]]] = []
        hidden: list[str] = []
        for case_id in dict.fromkeys(ref.case_id for ref in finding.basis):
            try:
                visible.append(self.cases.history(case_id, actor))
            except NotFound:
                hidden.append(str(case_id))
        raw = {case.id: self.store.recorder.select_positioned(case.id) for case, _ in visible}
        raw[finding.id] = self.store.recorder.select_positioned(finding.id)
        head = self._head_for([row for rows in raw.values() for row in rows], None)
        proofs = {}
        for case, _ in visible:
            proofs[str(case.id)] = {"case_id": str(case.id), **self._proof(case.id, raw[case.id], head, reveal=self._reveals(case, actor))}
        proofs[str(finding.id)] = {"finding_id": str(finding.id), **self._proof(finding.id, raw[finding.id], head, reveal=True)}
        return Dossier(
            finding=finding,
            review=review(self.store, finding, now, visible={case.id for case, _ in visible}),
            cases=visible,
            hidden=hidden,
            proofs=proofs,
            head=head,
            public_key=self.public_key or b"",
            origin=self.origin,
            generated_at=now,
        )

