"""The linter's own helpers (the checks themselves run on the fixtures in tests/lint/)."""

from __future__ import annotations

import pytest

from policyengine.lint import MAX_RANGES, article_ranges


@pytest.mark.parametrize(
    ("articles", "text"),
    [
        ([], "[]"),
        ([3], "[3]"),
        ([7, 8], "[7, 8]"),
        ([7, 8, 9], "[7-9]"),
        ([1, 2, 3, 4, 7, 8, 10, 11, 12], "[1-4, 7, 8, 10-12]"),
        (list(range(7, 1001)), "[7-1000]"),
    ],
)
def test_unaccounted_articles_read_as_ranges(articles: list[int], text: str) -> None:
    assert article_ranges(articles) == text


def test_the_list_of_ranges_is_bounded() -> None:
    every_other = list(range(1, 1001, 2))
    text = article_ranges(every_other)
    assert text.endswith(f", ... and {len(every_other) - MAX_RANGES} more]")
    assert len(text) < 400
