"""Sets known in part: how rules read a collection that a project states only partly.

A project states its documents, items and steps either as a complete record (a list, or the
mapping of steps taken: whatever is not listed is absent) or as a partial one (what is known
present and what is known absent; the rest is unknown). Rules read a member of a partial record
three-valued: True (present), False (absent) or None (unknown).

A complete record stays a plain frozenset, so that rules over complete records run as before;
a partial one becomes a `PartialSet`. The functions here give the three-valued answers for
either, and are shared by the compiled program and the interpreter so that both agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sized
from dataclasses import dataclass
from typing import Any

COMPLETE = "complete"
PARTIAL = "partial"
FORMS = (COMPLETE, PARTIAL)
"""The two forms of a record: the tags of the union each record field of a Project is."""
RECORD_FIELDS = ("documents", "items", "steps")
"""The Project fields stated in either form."""


@dataclass(frozen=True, slots=True)
class PartialSet:
    """A set of which some members are known present, some known absent, the rest unknown."""

    present: frozenset[Any]
    absent: frozenset[Any]

    def contains(self, member: Any) -> bool | None:
        """Whether `member` is in the set: True, False, or None when unknown."""
        if member in self.present:
            return True
        if member in self.absent:
            return False
        return None

    def __contains__(self, member: Any) -> bool:
        # `in` answers True or False only; an unknown member must not read as absent.
        raise TypeError("membership of a partial set is three-valued: use contains()")


Collection = frozenset[Any] | PartialSet
"""A set fact's value when known: complete (frozenset) or partial."""


def known_set(present: frozenset[Any], absent: frozenset[Any], universe: Sized) -> Collection:
    """The set a partial record describes: complete once every member of `universe` is stated.

    `present` and `absent` are disjoint members of `universe` (the record's validation ensures
    it), so stating them all leaves nothing unknown.
    """
    if len(present) + len(absent) == len(universe):
        return present
    return PartialSet(present, absent)


def member(collection: Collection, item: Any) -> bool | None:
    """`item in collection`, three-valued."""
    if isinstance(collection, PartialSet):
        return collection.contains(item)
    return item in collection


# The set functions of expressions take the members as arguments, as expressions call them.


def has_any(collection: Collection, *members: Any) -> bool | None:
    """True if any of `members` is present; False if all are absent; otherwise unknown."""
    if collection.__class__ is not PartialSet:
        return any(m in collection for m in members)
    answers = [member(collection, m) for m in members]
    if True in answers:
        return True
    return None if None in answers else False


def has_all(collection: Collection, *members: Any) -> bool | None:
    """True if all of `members` are present; False if any is absent; otherwise unknown."""
    if collection.__class__ is not PartialSet:
        return all(m in collection for m in members)
    answers = [member(collection, m) for m in members]
    if False in answers:
        return False
    return None if None in answers else True


def has_only(collection: Collection, *members: Any) -> bool | None:
    """True if the set is not empty and holds nothing but `members`.

    For a partial set: False once a present member lies outside `members`; otherwise unknown,
    since an unstated member might lie outside them.
    """
    if isinstance(collection, PartialSet):
        return False if any(e not in members for e in collection.present) else None
    # An empty set consists of nothing, so it does not "consist only of" the members.
    return bool(collection) and all(element in members for element in collection)


def count(collection: Collection) -> int | None:
    """The number of members; unknown for a partial set."""
    return None if isinstance(collection, PartialSet) else len(collection)


def equal(left: Collection, right: Collection) -> bool | None:
    """`left == right`, three-valued: False once a member is known in one and not the other."""
    if not isinstance(left, PartialSet) and not isinstance(right, PartialSet):
        return left == right
    for one, other in ((left, right), (right, left)):
        if isinstance(one, PartialSet):
            if any(member(other, m) is False for m in one.present):
                return False
        elif any(member(other, m) is False for m in one):
            return False
    # Neither side rules equality out, and a partial set leaves a member open.
    return None


def undecided(collection: Collection, members: Iterable[Any]) -> list[Any]:
    """The members of `members` whose presence `collection` leaves unknown, in order."""
    if not isinstance(collection, PartialSet):
        return []
    return [m for m in members if member(collection, m) is None]
