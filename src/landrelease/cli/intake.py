"""`landrelease intake`: the field submission queue and its review (thin adapter over service.review)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

intake_app = typer.Typer(
    no_args_is_help=True, help="Field submissions (ODK/Kobo) waiting for review: list, show, verify, approve, reject."
)

RefArg = Annotated[str, typer.Argument(help="Submission id (or its first 8+ characters) or instanceID.")]


@intake_app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="submitted, verified, approved or rejected")] = None,
    form: Annotated[str | None, typer.Option(help="Only this form id.")] = None,
    org: Annotated[str | None, typer.Option(help="Only submissions from this organisation code.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many rows.")] = 0,
) -> None:
    """List the queue, oldest first, with a count per status."""
    from landrelease.cli.main import out, store
    from landrelease.service import review, submissions

    s = store()
    review.check_review(s)
    counts = submissions.counts(s)
    rows = submissions.listing(s, status=status, form_id=form, org=org, limit=limit, offset=offset)
    table = Table("id", "instanceID", "form", "source", "sent by", "org", "received (UTC)", "status", "reviewer")
    for r in rows:
        table.add_row(
            r["id"][:13],
            r["instance_id"],
            r["form_id"],
            r["source"],
            r["actor"],
            r["org"] or "",
            str(r["received_at"])[:19],
            r["status"],
            r["decided_by"] or r["verified_by"] or "",
        )
    out.print(table)
    out.print(" · ".join(f"{k}: {v}" for k, v in counts.items()))


@intake_app.command("show")
def show(ref: RefArg) -> None:
    """One submission: values, automatic flags and what approval would write (a dry run)."""
    from landrelease.cli.main import out, store
    from landrelease.service import review

    s = store()
    review.check_review(s)
    a = review.assess(s, ref)
    if s.principal is not None:
        from landrelease.auth import policy

        if not policy.can_see_personal(s.principal):
            a = a.without_personal()
    sub = a.submission
    head = Table("field", "value", show_header=False)
    for k in ("id", "instance_id", "form_id", "form_ver", "source", "actor", "org", "received_at", "status"):
        head.add_row(k, str(sub[k] if sub[k] is not None else ""))
    for k in ("verified_by", "verified_at", "decided_by", "decided_at", "reason", "records"):
        if sub[k]:
            head.add_row(k, str(sub[k]))
    out.print(head)
    values = Table("question", "answer", title="Values")
    for k, v in sorted(sub["vals"].items()):
        if v not in (None, ""):
            values.add_row(k, v)
    out.print(values)
    if a.flags:
        flags = Table("severity", "check", "message", title="Flags")
        for f in a.flags:
            flags.add_row(f.severity, f.check, f.message)
        out.print(flags)
    else:
        out.print("No flags.")
    if a.effects:
        eff = Table("action", "kind", "record", "changes", title="What approval writes (dry run)")
        for e in a.effects:
            changes = "; ".join(
                f"{k}: {o} → {n}" if e.action != "create" else f"{k}={n}" for k, (o, n) in e.changes.items()
            )
            eff.add_row(e.action, e.kind, e.code if e.action != "create" else "(new)", changes)
        out.print(eff)


@intake_app.command("verify")
def verify(ref: RefArg) -> None:
    """submitted → verified (QA officers, IM officers, administrators)."""
    from landrelease.cli.main import out, store
    from landrelease.service import review

    s = store()
    got = review.verify(s, ref)
    out.print(f"{got['instance_id']} verified by {got['verified_by']}")


@intake_app.command("approve")
def approve(
    ref: RefArg,
    note: Annotated[str | None, typer.Option(help="A note for the audit trail.")] = None,
) -> None:
    """verified → approved: writes the submission's records (IM officers, administrators)."""
    from landrelease.cli.main import out, store
    from landrelease.service import review

    s = store()
    got = review.approve(s, ref, note=note)
    out.print(
        f"{got['instance_id']} approved by {got['decided_by']}: {', '.join(got['records'] or []) or 'no records'}"
    )


@intake_app.command("reject")
def reject(
    ref: RefArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (required): what the team must correct.")] = "",
) -> None:
    """submitted | verified → rejected, with a reason (IM officers, administrators)."""
    from landrelease.cli.main import out, store
    from landrelease.service import review

    s = store()
    got = review.reject(s, ref, reason=reason)
    out.print(f"{got['instance_id']} rejected by {got['decided_by']}: {got['reason']}")
