"""`landrelease backup | restore | verify` end to end: the real command on a real SQLite file."""

from __future__ import annotations

import sqlite3

from test_cli import one_line_error, run


def test_backup_verify_restore_drill(tmp_path):
    db, file = tmp_path / "record.db", tmp_path / "backups" / "record-backup.db"
    run(db, "init")
    run(db, "demo", "--areas", "15", "--seed", "4")
    assert "no directory" in one_line_error(run(db, "backup", str(file), ok=False))
    file.parent.mkdir()
    assert "Backed up" in run(db, "backup", str(file)).stdout
    assert "verified" in run(db, "verify").stdout

    con = sqlite3.connect(db)
    code = con.execute("SELECT code FROM hazardous_area WHERE status = 'open' ORDER BY code").fetchone()[0]
    con.execute("UPDATE hazardous_area SET remain_m2 = remain_m2 - 10 WHERE code = ?", (code,))
    con.commit()
    con.close()
    bad = run(db, "verify", ok=False)
    assert bad.returncode == 1
    lines = bad.stdout.strip().splitlines()
    assert any(line.startswith(f"ledger: {code}:") for line in lines)
    assert any(line.startswith(f"audit: hazardous_area {code}: remain_m2") for line in lines)

    refused = one_line_error(run(db, "restore", str(file), ok=False))
    assert "holds data" in refused and "--force" in refused
    assert "Restored" in run(db, "restore", str(file), "--force").stdout
    assert "verified" in run(db, "verify").stdout

    fresh = tmp_path / "drill.db"  # the restore drill: a new file, no --force needed
    assert "Restored" in run(fresh, "restore", str(file), "--end-sessions").stdout
    assert "verified" in run(fresh, "verify").stdout
    notes = tmp_path / "notes.txt"
    notes.write_text("not a backup", encoding="utf-8")
    assert "not a Landrelease backup" in one_line_error(run(fresh, "restore", str(notes), ok=False))
