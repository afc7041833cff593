"""The review workbench on the web: the intake queue, one submission with its flags, map preview and
the diff of what approval would write, and the decisions (verify, approve, reject with a reason).

Pages: ``/review`` (queue, filters by status, form and organisation) and ``/review/{id}``.
Decisions: ``POST /api/intake/submissions/{id}/verify|approve|reject`` (JSON; the page's buttons call
them with the session's CSRF token, scripts with an API token). Who may do what
(`landrelease.auth.policy`): verify — QA officers, IM officers, administrators (`can_review`);
approve and reject — IM officers and administrators (`can_approve`). The queue is read by the
same reviewers.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from landrelease.auth import policy
from landrelease.auth.roles import Principal
from landrelease.domain.model import ENTITIES
from landrelease.errors import Forbidden
from landrelease.server.auth import require
from landrelease.server.deps import store_of
from landrelease.server.encode import content_disposition, value_json
from landrelease.server.render import N_, render
from landrelease.service import review, submissions

STATUS_LABELS = {"submitted": N_("Submitted"), "verified": N_("Verified"), "approved": N_("Approved"),
                 "rejected": N_("Rejected")}  # fmt: skip


def queue_page(request: Request, p: Principal = Depends(require(policy.can_review))) -> HTMLResponse:
    store = store_of(request)
    q = request.query_params
    status, form_id, org = q.get("status") or None, q.get("form_id") or None, q.get("org") or None
    counts = submissions.counts(store)
    facets = submissions.facets(store)
    rows = submissions.listing(store, status=status, form_id=form_id, org=org, limit=500)
    total = submissions.count(store, status=status, form_id=form_id, org=org)
    return render(
        request,
        "review_queue.html",
        counts=[(s, STATUS_LABELS[s], n) for s, n in counts.items()],
        statuses=list(STATUS_LABELS.items()),
        forms=[(f, f) for f in facets["form_id"]],
        orgs=[(o, o) for o in facets["org"]],
        status=status,
        form_id=form_id,
        org=org,
        rows=rows,
        labels=STATUS_LABELS,
        total=total,
    )


def _buttons(p: Principal, status: str, verified_by: str | None = None, *, two_person: bool = True) -> list[str]:
    """The decisions this reviewer may take on a submission in this status (no approve button for the
    account that verified it while the `review_two_person` setting is on)."""
    out = []
    if status == "submitted" and policy.can_review(p):
        out.append("verify")
    if status == "verified" and policy.can_approve(p) and not (two_person and verified_by == p.actor):
        out.append("approve")
    if status in ("submitted", "verified") and policy.can_approve(p):
        out.append("reject")
    return out


def submission_page(request: Request, sid: str, p: Principal = Depends(require(policy.can_review))) -> HTMLResponse:
    store = store_of(request)
    a = review.assess(store, sid)
    if not policy.can_see_personal(p):
        a = a.without_personal()
    s = a.submission
    features = {"type": "FeatureCollection", "features": a.features} if a.features else None
    return render(
        request,
        "review_submission.html",
        s=s,
        labels=STATUS_LABELS,
        kinds={e.kind: e.label for e in ENTITIES},
        buttons=_buttons(p, s["status"], s.get("verified_by"), two_person=review.two_person(store)),
        approvable=a.approvable,
        flags=a.flags,
        effects=a.effects,
        features=features,
        values=[(k, v) for k, v in sorted(s["vals"].items()) if v not in (None, "")],
        files=submissions.attachments(store, s["id"]),
    )


def attachment_file(
    request: Request, sid: str, name: str, p: Principal = Depends(require(policy.can_review))
) -> Response:
    data, media = submissions.attachment(store_of(request), sid, name)
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": content_disposition(name), "X-Content-Type-Options": "nosniff"},
    )


def _public(row: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "id",
        "instance_id",
        "form_id",
        "form_ver",
        "source",
        "actor",
        "org",
        "received_at",
        "status",
        "reason",
        "verified_by",
        "verified_at",
        "decided_by",
        "decided_at",
        "records",
    )
    return {k: value_json(row.get(k)) for k in keep}


def _actor(request: Request, p: Principal) -> Any:
    store = store_of(request)
    return store.acting(p) if hasattr(store, "acting") else store


def api_list(
    request: Request,
    status: str | None = None,
    form_id: str | None = None,
    org: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000_000),
    p: Principal = Depends(require(policy.can_review)),
) -> dict[str, Any]:
    """The intake queue, oldest first (reviewers)."""
    store = store_of(request)
    rows = submissions.listing(store, status=status, form_id=form_id, org=org, limit=limit, offset=offset)
    return {
        "matched": submissions.count(store, status=status, form_id=form_id, org=org),
        "submissions": [_public(r) for r in rows],
    }


def api_show(request: Request, sid: str, p: Principal = Depends(require(policy.can_review))) -> dict[str, Any]:
    """One submission: its values, flags and what approval would write."""
    a = review.assess(store_of(request), sid)
    if not policy.can_see_personal(p):
        a = a.without_personal()
    out = _public(a.submission)
    out["values"] = a.submission["vals"]
    out["flags"] = a.flags_json()
    out["effects"] = [
        {"action": e.action, "kind": e.kind, "code": e.code, "changes": {k: list(v) for k, v in e.changes.items()}}
        for e in a.effects
    ]
    return json.loads(json.dumps(out, default=value_json))


def api_verify(request: Request, sid: str, p: Principal = Depends(require(policy.can_review))) -> dict[str, Any]:
    """submitted → verified."""
    store = _actor(request, p)
    return _public(review.verify(store, sid))


def api_approve(request: Request, sid: str, p: Principal = Depends(require(policy.can_approve))) -> dict[str, Any]:
    """verified → approved: the submission's records are written (audit names the approver)."""
    store = _actor(request, p)
    return _public(review.approve(store, sid))


def api_reject(
    request: Request,
    sid: str,
    reason: str = Body("", embed=True, max_length=2000),
    p: Principal = Depends(require(policy.can_approve)),
) -> dict[str, Any]:
    """submitted | verified → rejected; a reason is required."""
    if not policy.can_approve(p):  # pragma: no cover — the dependency already refused
        raise Forbidden("only the national authority rejects submissions")
    store = _actor(request, p)
    return _public(review.reject(store, sid, reason=reason))


def router() -> APIRouter:
    r = APIRouter(include_in_schema=False)
    r.add_api_route("/review", queue_page, methods=["GET"])
    r.add_api_route("/review/{sid}", submission_page, methods=["GET"])
    r.add_api_route("/review/{sid}/files/{name}", attachment_file, methods=["GET"])
    return r


def api_router() -> APIRouter:
    api = APIRouter(prefix="/api/intake", tags=["intake"])
    api.add_api_route("/submissions", api_list, methods=["GET"])
    api.add_api_route("/submissions/{sid}", api_show, methods=["GET"])
    api.add_api_route("/submissions/{sid}/verify", api_verify, methods=["POST"])
    api.add_api_route("/submissions/{sid}/approve", api_approve, methods=["POST"])
    api.add_api_route("/submissions/{sid}/reject", api_reject, methods=["POST"])
    return api
