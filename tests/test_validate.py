"""The one rule for text people write (:func:`venuefinder.validate.user_text`) and the
patterns the API documents for it: they agree, so what the document allows the store keeps."""

from __future__ import annotations

import re

import pytest

from venuefinder.errors import InputError
from venuefinder.validate import (LINE_PATTERN, TEXT_PATTERN, line_feeds, strip_unpaired_bidi,
                                  user_text)

RLO, PDF, LRI, RLI, PDI, LRE = "\u202e", "\u202c", "\u2066", "\u2067", "\u2069", "\u202a"
LRM, RLM = "\u200e", "\u200f"


@pytest.mark.parametrize("bad", ["a\x00b", "\x00", "a\x07", "a\x7f", "a\x85b", "a\ud800"])
@pytest.mark.parametrize("lines", [False, True])
def test_nul_and_other_control_characters_are_refused(bad: str, lines: bool) -> None:
    with pytest.raises(InputError, match="control characters"):
        user_text(bad, "notes", lines=lines)
    if "\ud800" not in bad:  # the patterns leave surrogates out: validators cannot say them
        assert re.fullmatch(TEXT_PATTERN if lines else LINE_PATTERN, bad) is None


def test_the_patterns_compile_in_the_document_s_validator() -> None:
    """A pattern that JSON Schema's validators cannot compile is dropped by them (and by
    schemathesis, which then sends text the API refuses as valid)."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    for pattern in (LINE_PATTERN, TEXT_PATTERN):
        validator = jsonschema_rs.Draft202012Validator({"pattern": pattern})
        assert not validator.is_valid("a\x00b") and validator.is_valid("Ann")


@pytest.mark.parametrize("sent", ["two\r\nlines", "two\rlines", "two\nlines"])
def test_line_breaks_are_kept_as_line_feeds(sent: str) -> None:
    assert user_text(sent, "notes", lines=True) == "two\nlines"
    assert line_feeds("a\r\n\r\nb\r") == "a\n\nb\n"
    assert re.fullmatch(TEXT_PATTERN, sent)
    with pytest.raises(InputError, match="one line"):
        user_text(sent, "title")


def test_tabs_stay_in_text_of_several_lines_only() -> None:
    assert user_text("a\tb", "notes", lines=True) == "a\tb"
    with pytest.raises(InputError):
        user_text("a\tb", "name")


@pytest.mark.parametrize("sent, kept", [
    (f"Alice {RLO}(needs a spotter)", "Alice (needs a spotter)"),  # never closed
    (f"Alice{PDF}", "Alice"),                                        # closes nothing
    (f"{RLI}Bob{PDI}", f"{RLI}Bob{PDI}"),                            # paired: stays
    (f"a{LRE}b{PDF}c", f"a{LRE}b{PDF}c"),
    (f"{RLI}x{RLO}y{PDI}", f"{RLI}xy{PDI}"),          # an override left open inside
    (f"{RLI}x{PDF}y{PDI}", f"{RLI}xy{PDI}"),          # a PDF does not close past an isolate
    (f"x{PDI}{RLI}", "x"),
    (f"{RLO}one\ntwo{PDF}", "one\ntwo"),               # a line break closes everything
    (f"{LRM}Ann{RLM}", f"{LRM}Ann{RLM}"),             # marks open nothing: they stay
])
def test_unpaired_bidi_controls_are_removed(sent: str, kept: str) -> None:
    assert strip_unpaired_bidi(sent) == kept
    assert user_text(sent, "notes", lines=True) == kept


@pytest.mark.parametrize("blank", ["   ", f" {RLO} ", f"{RLI}{PDI}", "\u3000"])
def test_white_space_and_bidi_controls_alone_are_blank(blank: str) -> None:
    assert user_text(blank, "name") == ""
    assert re.fullmatch(LINE_PATTERN, blank) is None


def test_text_is_trimmed_and_nfc() -> None:
    assert user_text("  Te\u0301o  ", "name") == "T\u00e9o"
    assert re.fullmatch(LINE_PATTERN, "  Te\u0301o  ")


def test_only_text_is_text() -> None:
    with pytest.raises(InputError, match="must be text"):
        user_text(5, "name")
