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

import html
import json
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from landrelease.auth import policy
from landrelease.auth.roles import Principal
from landrelease.errors import Forbidden
from landrelease.intake import queue, review
from landrelease.server import layout
from landrelease.server.auth import require
from landrelease.server.deps import store_of
from landrelease.server.encode import value_json

MAP_HEAD = '<link rel="stylesheet" href="/vendor/maplibre-gl/maplibre-gl.css">'
STATUS_LABELS = {"submitted": "Submitted", "verified": "Verified", "approved": "Approved", "rejected": "Rejected"}


def _esc(x: Any) -> str:
    return "" if x is None else html.escape(str(x))


def _when(x: Any) -> str:
    return _esc(value_json(x))[:19].replace("T", " ") if x is not None else ""


def _select(name: str, options: list[tuple[str, str]], chosen: str | None) -> str:
    opts = '<option value="">all</option>' + "".join(
        f'<option value="{_esc(v)}"{" selected" if v == chosen else ""}>{_esc(t)}</option>' for v, t in options
    )
    return f'<label>{name.replace("_", " ")} <select name="{name}" id="filter-{name}">{opts}</select></label>'


def queue_page(request: Request, p: Principal = Depends(require(policy.can_review))) -> HTMLResponse:
    store = store_of(request)
    q = request.query_params
    status, form_id, org = q.get("status") or None, q.get("form_id") or None, q.get("org") or None
    counts = queue.counts(store)
    facets = queue.facets(store)
    rows = queue.listing(store, status=status, form_id=form_id, org=org, limit=500)
    total = queue.count(store, status=status, form_id=form_id, org=org)
    summary = " · ".join(f'<a href="/review?status={s}">{STATUS_LABELS[s]}: {n}</a>' for s, n in counts.items())
    filters = (
        '<form method="get" action="/review" class="filters" id="filters">'
        + _select("status", list(STATUS_LABELS.items()), status)
        + _select("form_id", [(f, f) for f in facets["form_id"]], form_id)
        + _select("org", [(o, o) for o in facets["org"]], org)
        + '<button type="submit">Filter</button></form>'
    )
    body_rows = "".join(
        f'<tr class="sub-{_esc(r["status"])}"><td><a href="/review/{_esc(r["id"])}">{_esc(r["instance_id"])}</a></td>'
        f"<td>{_esc(r['form_id'])}</td><td>{_esc(r['source'])}</td><td>{_esc(r['actor'])}</td>"
        f"<td>{_esc(r['org'])}</td><td>{_when(r['received_at'])}</td><td>{_esc(r['status'])}</td>"
        f"<td>{_esc(r['decided_by'] or r['verified_by'])}</td></tr>"
        for r in rows
    )
    more = f"<p>Showing the first {len(rows)} of {total}.</p>" if total > len(rows) else ""
    body = (
        f"<h1>Field submissions</h1><p>{summary}</p>{filters}"
        '<table id="queue"><tr><th>instanceID</th><th>form</th><th>source</th><th>sent by</th><th>organisation</th>'
        f"<th>received (UTC)</th><th>status</th><th>reviewer</th></tr>{body_rows}</table>{more}"
        + ("" if rows else '<p id="empty">No submission matches.</p>')
    )
    return layout.page("Review", body)


def _flags(a: review.Assessment) -> str:
    if not a.flags:
        return '<p id="flags" class="ok">No flags: nothing unusual found.</p>'
    items = "".join(
        f'<li class="flag {_esc(f.severity)}" data-check="{_esc(f.check)}"><b>{_esc(f.severity)}</b> '
        f"{_esc(f.check.replace('_', ' '))}: {_esc(f.message)}"
        + (f' (<a href="/review/{_esc(f.submission)}">other submission</a>)' if f.submission else "")
        + "</li>"
        for f in a.flags
    )
    return f'<ul id="flags" class="flags">{items}</ul>'


def _short(v: Any) -> str:
    text = "" if v is None else (json.dumps(v) if isinstance(v, list | dict) else str(v))
    return _esc(text if len(text) <= 90 else text[:87] + "…")


def _effects(a: review.Assessment) -> str:
    if not a.effects:
        return ""
    rows = []
    for e in a.effects:
        what = "new" if e.action == "create" else "changes"
        link = (
            f'<a href="/areas/{_esc(e.code)}">{_esc(e.code)}</a>'
            if e.kind == "hazardous_area" and e.action != "create"
            else _esc(e.code if e.action != "create" else "(code on approval)")
        )
        diff = "<br>".join(
            f"{_esc(k)}: " + (f"<del>{_short(o)}</del> → " if e.action != "create" else "") + f"<ins>{_short(n)}</ins>"
            for k, (o, n) in e.changes.items()
        )
        rows.append(
            f'<tr class="effect-{_esc(e.action)}"><td>{what}</td><td>{_esc(e.kind.replace("_", " "))}</td>'
            f"<td>{link}</td><td>{diff}</td></tr>"
        )
    return (
        "<h2>What approval writes</h2><p>A dry run of the approval through the service, rolled back: "
        "new records and the changes to existing ones (before → after).</p>"
        '<table id="diff"><tr><th></th><th>kind</th><th>record</th><th>fields</th></tr>' + "".join(rows) + "</table>"
    )


def _buttons(p: Principal, sub: dict[str, Any], approvable: bool) -> str:
    status = sub["status"]
    out = []
    if status == "submitted" and policy.can_review(p):
        out.append('<button type="button" id="verify" data-action="verify">Verify</button>')
    if status == "verified" and policy.can_approve(p):
        disabled = "" if approvable else ' disabled title="errors above make the records invalid"'
        out.append(f'<button type="button" id="approve" data-action="approve"{disabled}>Approve</button>')
    if status in ("submitted", "verified") and policy.can_approve(p):
        out.append(
            '<label for="reason">Reason for rejection</label><textarea id="reason" rows="2" cols="60" '
            'placeholder="what is wrong, so the team can correct it"></textarea>'
            '<button type="button" id="reject" data-action="reject">Reject</button>'
        )
    if not out:
        return ""
    return (
        f'<div id="decide" class="decide" data-id="{_esc(sub["id"])}">{"".join(out)}</div>'
        '<div id="decide-error" class="error" role="alert" hidden></div>'
    )


def submission_page(request: Request, sid: str, p: Principal = Depends(require(policy.can_review))) -> HTMLResponse:
    store = store_of(request)
    a = review.assess(store, sid)
    if not policy.can_see_personal(p):
        a = a.without_personal()
    s = a.submission
    files = queue.attachments(store, s["id"])
    meta = [
        ("instanceID", _esc(s["instance_id"])),
        ("form", f"{_esc(s['form_id'])} version {_esc(s['form_ver'])}"),
        ("source", _esc(s["source"])),
        ("sent by", f"{_esc(s['actor'])} {('· ' + _esc(s['org'])) if s['org'] else ''}"),
        ("received (UTC)", _when(s["received_at"])),
        ("status", f'<b id="status">{_esc(s["status"])}</b>'),
    ]
    if s["verified_by"]:
        meta.append(("verified", f"by {_esc(s['verified_by'])} at {_when(s['verified_at'])}"))
    if s["decided_by"]:
        meta.append((s["status"], f"by {_esc(s['decided_by'])} at {_when(s['decided_at'])}"))
    if s["reason"]:
        meta.append(("reason", f'<span id="reason-text">{_esc(s["reason"])}</span>'))
    if s["records"]:
        links = ", ".join(
            f'<a href="/areas/{_esc(c)}">{_esc(c)}</a>' if c.startswith("HA-") else _esc(c) for c in s["records"]
        )
        meta.append(("records", f'<span id="records">{links}</span>'))
    head = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in meta)
    values = "".join(
        f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in sorted(s["vals"].items()) if v not in (None, "")
    )
    attach = "".join(
        f'<li><a href="/review/{_esc(s["id"])}/files/{_esc(f["name"])}">{_esc(f["name"])}</a> '
        f"({_esc(f['media_type'])}, {f['size']:,} bytes)</li>"
        for f in files
    )
    features = json.dumps({"type": "FeatureCollection", "features": a.features}).replace("</", "<\\/")
    body = (
        f'<p><a href="/review">← queue</a></p><h1>Submission {_esc(s["instance_id"])}</h1>'
        f'<table id="meta">{head}</table>'
        + _buttons(p, s, a.approvable)
        + "<h2>Flags</h2>"
        + _flags(a)
        + _effects(a)
        + (
            '<h2>Map</h2><div class="mapwrap short"><div id="map"></div></div>'
            f'<script type="application/json" id="features">{features}</script>'
            if a.features
            else ""
        )
        + f'<h2>Values</h2><table id="values"><tr><th>question</th><th>answer</th></tr>{values}</table>'
        + (f'<h2>Attachments</h2><ul id="files">{attach}</ul>' if files else "")
    )
    return layout.page(f"Submission {s['instance_id']}", body, scripts=("/static/review.js",), head=MAP_HEAD)


def attachment_file(
    request: Request, sid: str, name: str, p: Principal = Depends(require(policy.can_review))
) -> Response:
    data, media = queue.attachment(store_of(request), sid, name)
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff"},
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
    rows = queue.listing(store, status=status, form_id=form_id, org=org, limit=limit, offset=offset)
    return {
        "matched": queue.count(store, status=status, form_id=form_id, org=org),
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
    return _public(review.verify(store, sid, p.actor))


def api_approve(request: Request, sid: str, p: Principal = Depends(require(policy.can_approve))) -> dict[str, Any]:
    """verified → approved: the submission's records are written (audit names the approver)."""
    store = _actor(request, p)
    return _public(review.approve(store, sid, p.actor))


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
    return _public(review.reject(store, sid, p.actor, reason=reason))


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
