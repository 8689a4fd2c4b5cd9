from __future__ import annotations

import pytest

from successbot.core.formatting import strip_formatting


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x02bold\x02", "bold"),
        ("\x0304red\x03 plain", "red plain"),
        ("\x0304,12on blue\x0f", "on blue"),
        ("\x03" + "99,99x", "x"),
        ("\x0312345", "345"),  # a colour takes at most two digits; the rest is text
        ("\x04FF0000red\x04", "red"),
        ("\x1ditalic\x1d \x1funder\x1f \x1estrike\x1e \x11mono\x11 \x16rev\x16", "italic under strike mono rev"),
        ("tab\tkept", "tab\tkept"),
        ("nul\x00 and bell\x07 gone", "nul and bell gone"),
        ("ünïcödé 🎉 ‮rtl", "ünïcödé 🎉 ‮rtl"),
    ],
)
def test_formatting_and_control_codes_are_removed_and_text_kept(raw, clean):
    assert strip_formatting(raw) == clean
