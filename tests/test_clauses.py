"""Clause lists of the sources (sources/<pack>.clauses.yaml): exact, in order and complete.

Each list splits the text of one regulation into clauses with stable ids. The tests check that
- every id is unique, follows the id scheme and agrees with the article, paragraph, item, sub-item
  and sentence fields and with the Chinese citation;
- every clause text is an exact substring of the source, and the clauses follow the source order;
- every article (for Mengyin: every section 一、…十、) is covered completely: between consecutive
  clauses of an article there is nothing but whitespace, punctuation, the item and sub-item markers
  of the clause that follows, or the article's caption;
- kind and modality come from fixed vocabularies, and a clause is normative exactly when its kind is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from policyengine._yaml import load_yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "sources"
PACKS = ("wuhan", "mengyin", "zhanggong", "xiangxi", "yiyang")
LISTED = tuple(p for p in PACKS if (SOURCES / f"{p}.clauses.yaml").exists())

SOURCE_FILES = {
    "wuhan": "wuhan.restored.txt",
    "mengyin": "001_d8fa80680018bec3.txt",
    "zhanggong": "002_01c867eeecc388d5.txt",
    "xiangxi": "003_b73d4c262d5b89ce.txt",
    "yiyang": "004_b9e877274e689ab0.txt",
}
# Where the text of the last article (section) stops: the signature or web-page furniture after it.
BODY_END = {
    "mengyin": "\n蒙阴县人民政府办公室\n",
    "zhanggong": "\n相关文件:",
    "yiyang": "扫一扫在手机打开当前页",
}
# Article numbers absent from the source (the restored Wuhan text marks them as missing).
MISSING_ARTICLES = {"wuhan": {30}}
# Items absent from the source: (article, item).
MISSING_ITEMS = {"wuhan": {(19, 2)}}
# Mengyin is a notice without articles: its sections 一、…十、 stand for articles 1…10.
SECTIONED = {"mengyin"}

NORMATIVE_KINDS = frozenset(
    {
        "scope",
        "exclusion",
        "definition",
        "duty",
        "prohibition",
        "permission",
        "procedure",
        "threshold",
        "deadline",
        "consequence",
        "effective_date",
    }
)
OTHER_KINDS = frozenset({"principle", "organisation", "purpose", "basis"})
MODALITY = frozenset(
    {
        "必须",
        "应当",
        "应",
        "须",
        "需",
        "要",
        "不得",
        "严禁",
        "禁止",
        "不予",
        "不再",
        "原则上",
        "一般",
        "鼓励",
        "可以",
        "可",
        "方可",
        "视情况",
        "视情节",
    }
)
NOTICE_CITES = frozenset({"印发通知", "序言"})
FIELDS = (
    "id",
    "cite",
    "article",
    "paragraph",
    "item",
    "sub",
    "sentence",
    "text",
    "normative",
    "kind",
    "modality",
)

ID = re.compile(
    r"^(?:n-s(?P<notice>[1-9]\d*)"
    r"|a(?P<article>[1-9]\d*)(?:-p(?P<paragraph>[1-9]\d*))?(?:-i(?P<item>[1-9]\d*))?"
    r"(?:-u(?P<sub>[1-9]\d*))?-s(?P<sentence>[1-9]\d*))$"
)
DIGITS = "零一二三四五六七八九"
NUMERAL = "[一二三四五六七八九十]+"
ARTICLE_START = re.compile(rf"^第({NUMERAL})条", re.M)
SECTION_START = re.compile(rf"^({NUMERAL})、[^\n]*\n", re.M)
# Lines inside an article's span that belong to no article: chapter headings, restoration notes.
NOT_TEXT = re.compile(rf"^(?:第{NUMERAL}章[^。,;:\n]*|〔[^〕\n]*missing from the source〕)$", re.M)
MARK = re.compile(rf"[(（]{NUMERAL}[)）]|\d+[.．]")
PUNCTUATION = frozenset("。,，;；:：、!！?？()（）“”《》〔〕【】.．")


def chinese(n: int) -> str:
    """1 → 一, 10 → 十, 25 → 二十五 (enough for article numbers)."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


def from_chinese(s: str) -> int:
    tens, sep, ones = s.partition("十")
    if not sep:
        return DIGITS.index(s)
    return (DIGITS.index(tens) if tens else 1) * 10 + (DIGITS.index(ones) if ones else 0)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Clause:
    id: str
    cite: str
    article: int | None
    paragraph: int | None
    item: int | None
    sub: int | None
    sentence: int
    text: str
    normative: bool
    kind: str
    modality: tuple[str, ...]

    @property
    def unit(self) -> tuple[int | None, int | None, int | None, int | None]:
        return (self.article, self.paragraph, self.item, self.sub)


@dataclass(frozen=True)
class ClauseList:
    pack: str
    source: str
    text: str
    clauses: tuple[Clause, ...]
    headings: dict[int, str]
    notes: tuple[str, ...]


def load(pack: str) -> ClauseList:
    path = SOURCES / f"{pack}.clauses.yaml"
    data, _ = load_yaml(path.read_text(encoding="utf-8"), str(path))
    assert isinstance(data, dict)
    assert set(data) <= {"pack", "source", "headings", "clauses", "notes"}, sorted(data)
    assert data["pack"] == pack
    assert data["source"] == SOURCE_FILES[pack]
    clauses = []
    for row in data["clauses"]:
        assert isinstance(row, dict)
        assert tuple(row) == FIELDS, f"{row.get('id')}: fields {list(row)}"
        assert isinstance(row["modality"], list), row["id"]
        clauses.append(Clause(**{**row, "modality": tuple(row["modality"])}))
    for clause in clauses:
        for name in ("article", "paragraph", "item", "sub"):
            value = getattr(clause, name)
            assert value is None or (type(value) is int and value > 0), f"{clause.id}: {name}"
        assert type(clause.sentence) is int, clause.id
        assert clause.sentence > 0, clause.id
        assert type(clause.normative) is bool, clause.id
        assert isinstance(clause.text, str), clause.id
        assert isinstance(clause.cite, str), clause.id
    headings = {}
    for row in data.get("headings", []):
        assert set(row) == {"article", "text"}, row
        assert row["article"] not in headings, row
        headings[row["article"]] = row["text"]
    notes = data.get("notes", [])
    assert all(isinstance(n, str) for n in notes)
    text = (SOURCES / data["source"]).read_text(encoding="utf-8")
    return ClauseList(pack, data["source"], text, tuple(clauses), headings, tuple(notes))


def article_spans(pack: str, text: str) -> dict[int, tuple[int, int]]:
    """Article (section) number → (start, end) of its body in the source, after the number."""
    starts = list((SECTION_START if pack in SECTIONED else ARTICLE_START).finditer(text))
    assert starts, "no article found"
    end = len(text)
    if pack in BODY_END:
        end = text.index(BODY_END[pack], starts[-1].end())
    spans: dict[int, tuple[int, int]] = {}
    for k, match in enumerate(starts):
        stop = starts[k + 1].start() if k + 1 < len(starts) else end
        spans[from_chinese(match.group(1))] = (match.end(), stop)
    return spans


def blank_out(body: str) -> str:
    """The body with chapter headings and restoration notes replaced by spaces (offsets kept)."""
    return NOT_TEXT.sub(lambda m: " " * len(m.group(0)), body)


def expected_id(c: Clause) -> str:
    if c.article is None:
        return f"n-s{c.sentence}"
    out = f"a{c.article}"
    for prefix, value in (("p", c.paragraph), ("i", c.item), ("u", c.sub)):
        if value is not None:
            out += f"-{prefix}{value}"
    return f"{out}-s{c.sentence}"


def expected_cite(pack: str, c: Clause) -> str:
    assert c.article is not None
    if pack in SECTIONED:
        out = f"{chinese(c.article)}、"
        if c.paragraph is not None:
            out += f"第{chinese(c.paragraph)}段"
    else:
        out = f"第{chinese(c.article)}条"
        if c.paragraph is not None:
            out += f"第{chinese(c.paragraph)}款"
    if c.item is not None:
        out += f"({chinese(c.item)})"
    if c.sub is not None:
        out += str(c.sub)
    return out


def gap_problems(gap: str, marks: list[str], where: str) -> Iterator[str]:
    """A gap between clauses may hold whitespace, punctuation and exactly the expected markers."""
    squeezed = squeeze(gap)
    found = MARK.findall(squeezed)
    if [squeeze(m) for m in found] != marks:
        yield f"{where}: markers {found} where {marks} were expected"
    rest = MARK.sub("", squeezed)
    if any(ch not in PUNCTUATION for ch in rest):
        yield f"{where}: source text {gap.strip()!r} is in no clause"


def completeness_problems(listing: ClauseList, clauses: tuple[Clause, ...]) -> list[str]:
    """Everything wrong with how `clauses` cover the articles of the source (empty: complete)."""
    problems: list[str] = []
    spans = article_spans(listing.pack, listing.text)
    numbers = sorted(spans)
    expected = [
        n for n in range(1, numbers[-1] + 1) if n not in MISSING_ARTICLES.get(listing.pack, set())
    ]
    if numbers != expected:
        problems.append(f"articles found in the source: {numbers}")
    by_article: dict[int, list[Clause]] = {}
    for clause in clauses:
        if clause.article is not None:
            by_article.setdefault(clause.article, []).append(clause)
    for number in sorted(set(by_article) - set(spans)):
        problems.append(f"clauses of article {number}, which the source does not have")
    for number, (start, stop) in spans.items():
        body = blank_out(listing.text[start:stop])
        own = by_article.get(number, [])
        if not own:
            problems.append(f"article {number}: no clause")
            continue
        pos = 0
        heading = listing.headings.get(number)
        if heading is not None:
            lead = len(body) - len(body.lstrip())
            if not body.startswith(heading, lead):
                problems.append(f"article {number}: does not start with its heading {heading!r}")
            else:
                pos = lead + len(heading)
        previous: Clause | None = None
        for clause in own:
            where = f"article {number}, before {clause.id}"
            found = body.find(clause.text, pos)
            if found < 0:
                problems.append(f"{where}: text not found after the previous clause")
                continue
            gap = body[pos:found]
            marks: list[str] = []
            new_item = clause.item is not None and (
                previous is None or previous.item != clause.item
            )
            new_sub = clause.sub is not None and (
                new_item or previous is None or previous.sub != clause.sub
            )
            if new_item:
                marks.append(f"({chinese(clause.item or 0)})")
            if new_sub:
                marks.append(f"{clause.sub}.")
            problems.extend(gap_problems(gap, marks, where))
            if clause.item is None:
                new_paragraph = previous is not None and previous.paragraph != clause.paragraph
                if ("\n" in gap) != new_paragraph and previous is not None:
                    problems.append(f"{where}: paragraph break and paragraph number disagree")
            pos = found + len(clause.text)
            previous = clause
        problems.extend(gap_problems(body[pos:], [], f"article {number}, at the end"))
    return problems


@pytest.fixture(scope="module", params=LISTED)
def listing(request: pytest.FixtureRequest) -> ClauseList:
    return load(request.param)


def test_every_pack_has_a_clause_list() -> None:
    assert LISTED == PACKS


def test_ids_are_unique_and_follow_the_scheme(listing: ClauseList) -> None:
    ids = [c.id for c in listing.clauses]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for c in listing.clauses:
        match = ID.match(c.id)
        assert match, c.id
        assert c.id == expected_id(c), (c.id, expected_id(c))
        if c.article is None:
            assert (c.paragraph, c.item, c.sub) == (None, None, None), c.id
            assert c.cite in NOTICE_CITES, c.id
        else:
            assert c.cite == expected_cite(listing.pack, c), (c.id, c.cite)
        assert c.sub is None or c.item is not None, c.id


def test_numbering_is_consecutive(listing: ClauseList) -> None:
    """Paragraphs, items, sub-items and sentences count up from 1 without gaps or returns."""
    seen_units: set[tuple[int | None, ...]] = set()
    previous: Clause | None = None
    for c in listing.clauses:
        if previous is not None and c.unit == previous.unit:
            assert c.sentence == previous.sentence + 1, c.id
        else:
            assert c.unit not in seen_units, f"{c.id}: its unit was left before"
            assert c.sentence == 1, c.id
            seen_units.add(c.unit)
        previous = c
    articles: dict[int, list[Clause]] = {}
    for c in listing.clauses:
        if c.article is not None:
            articles.setdefault(c.article, []).append(c)
    for number, own in articles.items():
        paragraphs = [c.paragraph for c in own]
        if any(p is not None for p in paragraphs):
            assert all(p is not None for p in paragraphs), number
            assert steps_of_one([p for p in paragraphs if p is not None]), number
            assert max(p for p in paragraphs if p is not None) >= 2, number
        for paragraph in {c.paragraph for c in own}:
            items = [c.item for c in own if c.paragraph == paragraph and c.item is not None]
            missing = {i for a, i in MISSING_ITEMS.get(listing.pack, set()) if a == number}
            assert steps_of_one(items, missing), (number, paragraph)
            for item in set(items):
                subs = [c.sub for c in own if (c.paragraph, c.item) == (paragraph, item)]
                assert steps_of_one([s for s in subs if s is not None]), (number, item)


def steps_of_one(values: list[int], missing: set[int] | None = None) -> bool:
    """Non-decreasing, from 1, each new value the next one after the last (skipping `missing`)."""
    last = 0
    for v in values:
        following = last + 1
        while following in (missing or set()):
            following += 1
        if v not in (last, following):
            return False
        last = v
    return True


def test_texts_are_exact_and_in_source_order(listing: ClauseList) -> None:
    pos = 0
    first_article = min(start for start, _ in article_spans(listing.pack, listing.text).values())
    for c in listing.clauses:
        assert c.text, c.id
        assert c.text == c.text.strip(), f"{c.id}: leading or trailing whitespace"
        assert "\n" not in c.text, f"{c.id}: spans a line break"
        assert c.text in listing.text, f"{c.id}: not in {listing.source}"
        found = listing.text.find(c.text, pos)
        assert found >= 0, f"{c.id}: not after the previous clause"
        if c.article is None:
            assert found < first_article, f"{c.id}: notice clause inside the articles"
        pos = found + len(c.text)


def test_every_article_is_covered_completely(listing: ClauseList) -> None:
    assert completeness_problems(listing, listing.clauses) == []


def test_leaving_out_any_clause_is_detected(listing: ClauseList) -> None:
    """The completeness check is not vacuous: without any one clause it reports a problem."""
    for k, c in enumerate(listing.clauses):
        if c.article is None:
            continue
        rest = listing.clauses[:k] + listing.clauses[k + 1 :]
        assert completeness_problems(listing, rest), f"{c.id} could be left out unnoticed"


def test_kinds_and_modality(listing: ClauseList) -> None:
    for c in listing.clauses:
        assert c.kind in NORMATIVE_KINDS | OTHER_KINDS, (c.id, c.kind)
        assert c.normative == (c.kind in NORMATIVE_KINDS), (c.id, c.kind, c.normative)
        assert len(set(c.modality)) == len(c.modality), c.id
        for word in c.modality:
            assert word in MODALITY, (c.id, word)
            assert word in c.text, (c.id, word)


def test_headings_are_not_clauses(listing: ClauseList) -> None:
    texts = {squeeze(c.text) for c in listing.clauses}
    for heading in listing.headings.values():
        assert heading in listing.text
        assert squeeze(heading) not in texts
