"""Colour for text reports on a terminal: status words only, with plain ANSI codes.

Colour is added only when standard output is a terminal, `NO_COLOR` (https://no-color.org) is
unset or empty and `TERM` is not `dumb`; pipes and files always get plain text, so a report
saved or grepped is the same bytes as before.
"""

from __future__ import annotations

import os
import re
from typing import TextIO

from .render import finding_word, status_word
from .verdict import OverallStatus, Status

_RED, _YELLOW, _GREEN = "31", "33", "32"
_FINDING_COLOUR = {
    Status.FAIL: _RED,
    Status.ERROR: _RED,
    Status.UNKNOWN: _YELLOW,
    Status.PASS: _GREEN,
}
_STATUS_COLOUR = {
    OverallStatus.NON_COMPLIANT: _RED,
    OverallStatus.INCOMPLETE: _YELLOW,
    OverallStatus.COMPLIANT: _GREEN,
}


def colour_wanted(stream: TextIO) -> bool:
    """Whether to colour what goes to `stream`."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def colour_report(text: str, lang: str) -> str:
    """`text` (a `render_text` report) with the headline status and each finding's status
    coloured; widths are unchanged, since the codes take no columns."""
    rows = _words([finding_word(status, lang) for status in _FINDING_COLOUR], "^  ")
    text = rows.sub(lambda m: m[1] + _paint(m[2], _row_colour(m[2], lang)), text)
    headline = _words([status_word(status, lang) for status in _STATUS_COLOUR], ": ")
    return headline.sub(lambda m: m[1] + _paint(m[2], _headline_colour(m[2], lang)), text, count=1)


def _words(words: list[str], before: str) -> re.Pattern[str]:
    # Longest first, so that NON-COMPLIANT is not read as COMPLIANT.
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"({before})({alternatives})(?=\s|$)", re.M)


def _row_colour(word: str, lang: str) -> str:
    return next(c for s, c in _FINDING_COLOUR.items() if finding_word(s, lang) == word)


def _headline_colour(word: str, lang: str) -> str:
    return next(c for s, c in _STATUS_COLOUR.items() if status_word(s, lang) == word)


def _paint(word: str, code: str) -> str:
    return f"\033[{code}m{word}\033[0m"
