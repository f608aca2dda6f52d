"""Audit (RFC 9162 / C2SP): signed tree heads, inclusion and consistency proofs, the full check, dossiers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from api.deps import ActorDep, Consistent, ServicesDep, respond, roles
from api.dossier import dossier_zip, present_dossier
from api.routers.cases import case_uuid
from api.routers.findings import finding_uuid
from projections.pages import decode_page, encode_page
from replay.heads import b64

router = APIRouter(prefix="/v1", tags=["audit"])
AUDITORS = roles("auditor", "discipline", "admin")
ZIP = "application/zip"


@router.get("/audit/heads", dependencies=[Consistent])
def list_heads(
    services: ServicesDep,
    actor: ActorDep,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    page_token: str | None = None,
) -> Response:
    """The signed tree heads, newest first: ``{size, root, time, signature, checkpoint}``, with the key that signed them."""
    audit = services.audit
    before = tuple(decode_page(page_token, int, int)) if page_token else None
    heads = audit.page(before=before, limit=page_size + 1)  # type: ignore[arg-type]
    more = len(heads) > page_size
    heads = heads[:page_size]
    token = encode_page(int(heads[-1].time.timestamp() * 1_000_000), heads[-1].size) if more and heads else None
    key = audit.public_key
    return respond(
        200,
        {
            "origin": audit.origin,
            "public_key": b64(key) if key else None,
            "verifier_key": audit.notary.signer.verifier_key if audit.notary else None,
            "items": [head.as_dict() for head in heads],
            "next_page_token": token,
        },
    )


@router.post("/audit/heads", status_code=201, dependencies=[AUDITORS])
def sign_head(services: ServicesDep) -> Response:
    """Sign the tree's head now (on demand), once the tree holds every event recorded so far."""
    return respond(201, services.audit.sign().as_dict())


@router.get("/audit/checkpoint", dependencies=[Consistent], response_class=Response)
def latest_checkpoint(services: ServicesDep, actor: ActorDep) -> Response:
    """The latest signed head as C2SP tlog-checkpoint text (what ``hotline audit head`` prints)."""
    return Response(services.audit.latest().checkpoint, media_type="text/plain; charset=utf-8")


@router.get("/audit/consistency", dependencies=[Consistent])
def consistency(
    services: ServicesDep,
    actor: ActorDep,
    from_size: Annotated[int, Query(alias="from", ge=0, description="tree size of the older signed head")],
    to_size: Annotated[int | None, Query(alias="to", ge=0, description="tree size of the newer signed head (default: the latest)")] = None,
) -> Response:
    """RFC 9162 §2.1.4: a consistency proof between two signed heads, with both checkpoints."""
    return respond(200, services.audit.consistency(from_size, to_size))


@router.get("/audit/verify", dependencies=[AUDITORS])
def verify_log(services: ServicesDep) -> Response:
    """Recompute every leaf from the stored rows and compare with the tree and every signed head."""
    return respond(200, services.audit.verify().as_dict())


@router.get("/cases/{case_id}/proof", dependencies=[Consistent], tags=["cases"])
def case_proof(
    case_id: str,
    services: ServicesDep,
    actor: ActorDep,
    tree_size: Annotated[int | None, Query(ge=1, description="prove against the signed head of this size (default: the latest)")] = None,
) -> Response:
    """Inclusion proofs of the case's events against a signed head (RFC 9162 §2.1.3), for an outside verifier."""
    return respond(200, services.audit.case_proof(case_uuid(case_id), actor, tree_size=tree_size))


@router.get(
    "/findings/{finding_id}/dossier",
    dependencies=[Consistent],
    tags=["findings"],
    responses={200: {"content": {"application/json": {}, ZIP: {}}}},
)
def finding_dossier(finding_id: str, services: ServicesDep, actor: ActorDep, accept: Annotated[str | None, Header()] = None) -> Response:
    """Everything an appeal or a referral rests on; ``Accept: application/zip`` adds an HTML summary in Chinese."""
    dossier = services.audit.dossier(finding_uuid(finding_id), actor)
    body = present_dossier(dossier, actor)
    if accept and ZIP in accept:
        return Response(
            dossier_zip(dossier, body),
            media_type=ZIP,
            headers={"Content-Disposition": f'attachment; filename="dossier-{finding_id}.zip"'},
        )
    return respond(200, body)
