"""The shared checks of text a person types (``core.validation``): control characters and the
invisible characters that change the direction of the text are refused, by every service that
stores such a text."""

from __future__ import annotations

import pytest

from seatwise.core.errors import Invalid
from seatwise.core.validation import BIDI_CONTROLS, check_characters, clean_message, clean_text

TEXT_DIRECTION = "Remove the invisible characters that change the direction of the text."
# Every explicit bidirectional formatting character of Unicode (UAX #9).
BIDI = [
    "\u202a",  # LEFT-TO-RIGHT EMBEDDING
    "\u202b",  # RIGHT-TO-LEFT EMBEDDING
    "\u202c",  # POP DIRECTIONAL FORMATTING
    "\u202d",  # LEFT-TO-RIGHT OVERRIDE
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\u2066",  # LEFT-TO-RIGHT ISOLATE
    "\u2067",  # RIGHT-TO-LEFT ISOLATE
    "\u2068",  # FIRST STRONG ISOLATE
    "\u2069",  # POP DIRECTIONAL ISOLATE
    "\u200e",  # LEFT-TO-RIGHT MARK
    "\u200f",  # RIGHT-TO-LEFT MARK
    "\u061c",  # ARABIC LETTER MARK
]


def test_the_set_is_exactly_the_bidirectional_formatting_characters():
    assert frozenset(BIDI) == BIDI_CONTROLS


@pytest.mark.parametrize("char", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
@pytest.mark.parametrize("clean", [clean_text, clean_message])
def test_each_bidirectional_character_is_refused_in_one_line_and_in_messages(clean, char):
    with pytest.raises(Invalid) as refused:
        clean(f"Invoice {char}fdp.exe", field="name", max_length=100)

    assert (refused.value.code, refused.value.field, str(refused.value.message)) == (
        "text_direction_characters",
        "name",
        TEXT_DIRECTION,
    )


def test_control_characters_are_refused_but_a_message_keeps_its_line_breaks():
    assert clean_message("Hello,\n\n\tthe invoice.\r\n", field="message", max_length=100) == (
        "Hello,\n\n\tthe invoice."
    )
    with pytest.raises(Invalid) as refused:
        clean_message("Hello\x07", field="message", max_length=100)
    assert (refused.value.code, str(refused.value.message)) == (
        "invalid_characters",
        "Remove the control characters.",
    )
    with pytest.raises(Invalid):
        check_characters("one\nline", field="name")


def test_right_to_left_and_other_scripts_are_text_like_any_other():
    for name in ["مريم الحسيني", "דוד כהן", "Łukasz Żółć", "José Müller-Lüdenscheidt"]:
        assert clean_text(name, field="name", max_length=100) == name
