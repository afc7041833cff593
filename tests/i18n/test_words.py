"""Values in words (issue 10): labels, vocabulary values, history changes and writers as people read
them, from the declarations in domain/model.py and domain/vocab.py."""

from __future__ import annotations

import shapely

from landrelease.domain import vocab
from landrelease.domain.model import BY_KIND
from landrelease.i18n import words


def test_fields_and_vocabularies_have_human_labels():
    ha = BY_KIND["hazardous_area"]
    assert ha.field("haz_type").label == "Hazard type" and ha.field("haz_type").help == "SHA or CHA"
    assert ha.field("clear_m2").label == "Cleared" and ha.field("clear_m2").unit == "m²"
    assert BY_KIND["eo_find"].label == "EO find" and BY_KIND["eo_find"].label_plural == "EO finds"
    assert vocab.Disposal.DESTROYED_IN_SITU.label == "Destroyed in situ"
    # members of different vocabularies with the same code keep their own labels
    assert vocab.ActivityType.BAC.label == "Battle area clearance"
    assert vocab.UnitType.BAC.label == "Battle area clearance team"
    assert vocab.Method.MDD.label == "Mine detection dogs"


def test_values_in_words():
    assert words.value("eo_find", "disposal", "destroyed_in_situ") == "Destroyed in situ"
    assert words.value("hazardous_area", "dev_susp", ["ap_mine", "uxo"]) == "Anti-personnel mine, Unexploded ordnance"
    assert words.value("eo_find", "disposal", "destroyed_in_situ", "uk") == "Знищено на місці"
    assert words.value("eo_find", "depth_cm", 15.0) == "15 cm"
    assert words.value("victim", "tampering", True) == "Yes"


def test_history_in_words():
    assert words.change("hazardous_area", "clear_m2", 0.0, 3003.8971483655455) == "Cleared: 0 m² → 3,004 m²"
    assert words.change("hazardous_area", "status", "open", "handed_over") == "Status: Open → Handed over"
    big = shapely.box(30.0, 50.0, 30.01, 50.01)
    small = shapely.box(30.0, 50.0, 30.01, 50.005)
    text = words.change("hazardous_area", "geom", big.wkt, small.wkt)
    assert text.startswith("Perimeter changed: −") and "m² (" in text and "POLYGON" not in text
    assert words.actor("cli:root") == "root (command line)" and words.actor("amina") == "amina"
    assert words.action("release") == "land released"
