"""Render `docs/data-model.md` from the declarative model, so the document cannot drift from the code
(a test compares the file with this output). Regenerate: python -m landrelease.reports.datamodel
"""

from __future__ import annotations

from landrelease.domain import vocab as v
from landrelease.domain.model import ENTITIES, FieldType

INTRO = """# Data model

Generated from `src/landrelease/domain/model.py` by `python -m landrelease.reports.datamodel`;
a test fails when this file and the model disagree.

The record follows the IMAS Minimum Data Requirements (GICHD, 2018) — the *MDR* column names the
item each field serves — and IMAS 07.11 (land release), 07.30 (accreditation), 09.10 (clearance
depth), 09.30 (EOD competencies), 08.30 (handover). Fields marked *beyond MDR* are what planning
and deployment need.

## Every record has
| column | meaning |
| --- | --- |
| `id` | UUID: the key relations use |
| `code` | human code operators quote, `PREFIX-YEAR-NNNNNN` (e.g. `HA-2026-000123`) or `PREFIX-NNNNNN` |
| `version` | starts at 1, +1 per change; an edit made on an older version is refused (optimistic concurrency) |
| `synthetic` | true for generated demo data; exported on every feature |
| `attrs` | attributes imported from a file that the model has no field for, kept as they came |
| `created_at/_by`, `updated_at/_by` | UTC timestamps and the actor (user) |
| `deleted_at` | set by a delete: nothing is hard-deleted from the national record |
| `geom`, `minx…maxy` | spatial kinds: geometry in WGS84 lon/lat (WKB on SQLite, PostGIS `geometry(Geometry,4326)`) and its bounding box (R*Tree on SQLite, GiST on PostGIS) |
| `area_m2` | polygon kinds: geodesic area on the WGS84 ellipsoid, computed by the system, never taken from input |

Hazardous areas also keep `rem_geom`, the polygon still hazardous after land release.

Every create, update and delete writes an `audit` row in the same transaction: who (`actor`), when
(`at`), what (`kind`, `code`, `action`, `version`), and the transaction id shared by all rows of one
import. A create row holds the new record's attributes (`after`); a change holds the values it
replaced (`before`) and the new ones (`after`), geometry included (base64 WKB). Any past version,
geometry included, is the current row with the later changes undone: `landrelease history CODE`
lists the changes, `landrelease history CODE --version N` shows version N.

References (*ref* type) point at another record by its id in the database and by its code in files.
*Sensitive* fields are personal data: they leave the service only for roles that need them and
exports include them only with `--personal`.
"""


def render() -> str:
    out = [INTRO]
    for e in ENTITIES:
        out.append(f"\n## {e.kind} — `{e.table}` (code `{e.prefix}-…`)\n\n{e.doc}\n")
        if e.geom is not None:
            need = "required" if e.geom_required else "optional"
            out.append(f"\nGeometry ({e.geom.value}, {need}): {e.geom_doc}\n")
        out.append("\n| field | type | meaning | MDR / standard | notes |\n| --- | --- | --- | --- | --- |\n")
        for f in e.fields:
            kind = f.type.value
            if f.type in (FieldType.VOCAB, FieldType.VOCAB_LIST) and f.vocab is not None:
                kind = f"{kind} `{f.vocab.__name__}`"
            elif f.type is FieldType.REF:
                kind = f"ref → {f.ref}"
            notes = ", ".join(
                n for n, on in (("required", f.required), ("sensitive", f.sensitive), ("computed", f.derived)) if on
            )
            out.append(f"| `{f.name}` | {kind} | {f.doc} | {f.mdr or ''} | {notes} |\n")
    out.append("\n## Vocabularies\n\nCodes are stored and written to files; labels are shown. Imports accept either.\n")
    for name in sorted(dir(v)):
        obj = getattr(v, name)
        if isinstance(obj, type) and issubclass(obj, v.Vocab) and obj is not v.Vocab:
            items = "; ".join(f"`{m.value}` {m.label}" for m in obj)
            out.append(f"\n- **{name}**: {items}\n")
    return "".join(out)


if __name__ == "__main__":
    import sys

    sys.stdout.write(render())
