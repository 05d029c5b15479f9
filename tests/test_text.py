"""The one parser of typed integer lists and the one duration formatter (``nnstudio.text``)."""

from __future__ import annotations

import pytest

from nnstudio.errors import NnstudioError
from nnstudio.text import IntListError, format_seconds, parse_int_list


@pytest.mark.parametrize(
    "text, values",
    [("8,32,128", [8, 32, 128]), (" 8 , 4 ", [8, 4]), ("2;3", [2, 3]), ("5,", [5])],
)
def test_parse_int_list_reads_commas_semicolons_and_spaces(text, values):
    assert parse_int_list(text) == values


@pytest.mark.parametrize(
    "text, kwargs, words",
    [
        ("", {}, ["widths", "enter whole numbers"]),
        (" , ", {}, ["widths", "enter whole numbers"]),
        ("8, wide", {}, ["widths", "'wide'", "whole number"]),
        ("1.5", {}, ["'1.5'"]),
        ("8,0", {}, ["0 is out of range", "at least 1"]),
        ("4097", {"high": 4096}, ["4097", "between 1 and 4096"]),
    ],
)
def test_parse_int_list_refuses_with_one_line_naming_the_item(text, kwargs, words):
    with pytest.raises(IntListError) as info:
        parse_int_list(text, what="widths", **kwargs)
    assert isinstance(info.value, NnstudioError)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    "seconds, text",
    [
        (0.0000123, "12.3 us"),
        (0.00045, "450 us"),
        (0.0032, "3.2 ms"),
        (0.25, "250 ms"),
        (2.5, "2.50 s"),
        (float("nan"), "-"),
        (float("inf"), "-"),
    ],
)
def test_format_seconds_by_hand(seconds, text):
    assert format_seconds(seconds) == text
