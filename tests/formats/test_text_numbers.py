"""Text formats (CSV, KML) turn text back into numbers only when nothing is lost."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from landrelease.formats.layer import _sniff_numbers


@given(st.lists(st.one_of(st.text(max_size=12), st.from_regex(r"-?[0-9]{1,6}(\.[0-9]{1,4})?"))))
def test_sniffed_value_prints_as_the_text_it_came_from(texts: list[str]) -> None:
    out = _sniff_numbers(list(texts))
    for text, value in zip(texts, out, strict=True):
        if text == "":
            assert value is None
        else:
            assert str(value) == text


@given(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)))
def test_numbers_written_as_text_come_back_as_numbers(number: int | float) -> None:
    text = repr(number)
    (back,) = _sniff_numbers([text])
    assert back == number and type(back) is type(number)
