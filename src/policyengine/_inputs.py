"""Strict readers for the numbers and collections of a Project.

A project comes from forms, spreadsheets and other systems, so its numbers arrive as JSON numbers,
YAML scalars, Python values or strings. Each reader here accepts a small, documented set of forms
and refuses everything else with a message naming the accepted forms: a value that is read at all
is read exactly as written, never guessed at ("4,8" is not 48), and never converted when it is so
large that the conversion itself would cost time (a JSON `1e1000000` is refused, not expanded).

- `Amount`: yuan, exact to the fen; `480000`, `"480000.50"`, `"480000元"`, `"48万"`, `"4.8万元"`.
- `WholeNumber`: whole numbers; ints and strings of ASCII digits. Every field using it sets bounds.
- `Years`: a duration in years with at most two decimals, up to 100.
- `MaxItems`: a collection is refused as a whole, before any member is read, when it is too long.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sized
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

# Wide enough that no amount, count or duration accepted here is ever rounded, whatever the
# caller's own decimal context.
_EXACT = Context(prec=40)

# Amounts are below 10^15 yuan (a thousand trillion: no project comes near). The int form is
# compared with int input, which would otherwise be converted to Decimal just to be compared.
_MAX_AMOUNT_INT = 10**15
_MAX_AMOUNT = Decimal(_MAX_AMOUNT_INT)
_AMOUNT = "an amount"
_AMOUNT_LIMIT = "10^15 yuan"

_INTEGER_DIGITS = 18
"""No integer fact has more digits than this; longer input is refused before it is converted."""

_YUAN = r"[0-9]+(?:\.[0-9]{1,2})?元?"
_WAN = r"[0-9]+(?:\.[0-9]{1,6})?万元?"
AMOUNT_PATTERN = f"^(?:{_YUAN}|{_WAN})$"
"""The string forms of an amount, as a regular expression (also published in the JSON Schema)."""

_AMOUNT_FORMS = (
    "write yuan with the ASCII digits 0-9 and at most two decimals, optionally followed by 元 "
    "('480000', '480000.50', '480000元'), or in 万 with at most six decimals ('48万', '4.8万元')"
)
AMOUNT_DESCRIPTION = (
    "yuan (元), exact to the fen: a number with at most two decimals, or a string such as "
    "'480000.50', '480000元', '48万' or '4.8万元'"
)
"""The unit and forms of an amount, as the JSON Schema states them."""

_YEARS_PATTERN = r"^[0-9]+(?:\.[0-9]{1,2})?$"
_AMOUNT_TEXT = re.compile(AMOUNT_PATTERN)
_YEARS_TEXT = re.compile(_YEARS_PATTERN)
_DIGITS = re.compile(r"[0-9]+")
_UNSIZED: frozenset[type] = frozenset({type(None), bool, int, Decimal, str, dt.date})
"""Input types a size limit never applies to (a string's length is bounded elsewhere)."""
_COLLECTIONS: frozenset[type] = frozenset({list, tuple, dict, set, frozenset})
_MAX_YEARS = Decimal(100)


def _error(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _negative(what: str) -> PydanticCustomError:
    return _error("number_negative", f"{what} must not be negative")


def _too_large(what: str, limit: str) -> PydanticCustomError:
    return _error("number_too_large", f"{what} must be below {limit}")


def _string_fault(text: str, forms: str, *, kind: str) -> PydanticCustomError:
    """Why `text` is not a number of `kind` ("amount", "integer" or "years"), with the forms."""
    if any(ch.isspace() for ch in text):
        reason = "spaces are not accepted"
    elif any(ch in ",，_'’" for ch in text):
        reason = "digit group separators (',', '_') are not accepted"
    elif any(ch.isdigit() and not ch.isascii() for ch in text):
        reason = "only the ASCII digits 0-9 are accepted"
    elif text.lower().lstrip("+-").startswith(("nan", "snan", "inf")):
        reason = "it must be finite (NaN and infinity are not numbers)"
    elif text.startswith("-"):
        reason = "it must not be negative (no sign is accepted)"
    elif text.startswith("+"):
        reason = "no sign is accepted"
    elif re.fullmatch(r"[0-9.]+[eE][+-]?[0-9]+", text):
        reason = "exponents such as '1e6' are not accepted"
    elif kind == "integer" and re.fullmatch(r"[0-9]*\.[0-9]*", text):
        reason = "a whole number has no decimal point"
    elif kind != "integer" and re.fullmatch(r"[0-9]+\.[0-9]{3,}元?", text):
        reason = (
            "at most two decimal places " + ("(fen) " if kind == "amount" else "") + "are accepted"
        )
    elif kind == "amount" and re.fullmatch(r"[0-9]+\.[0-9]{7,}万元?", text):
        reason = (
            "at most six decimal places are accepted before 万 (the result is exact to the fen)"
        )
    else:
        reason = _NOT_A[kind]
    return _error("number_format", f"{reason}: {forms}")


_NOT_A = {
    "amount": "it is not a decimal amount",
    "integer": "it is not a whole number",
    "years": "it is not a number of years",
}


def _check_decimal(
    value: Decimal, *, places: int, below: Decimal, what: str, limit: str
) -> Decimal:
    """Refuse a Decimal that is not finite, negative, too large or too precise; drop a minus zero.

    Only comparisons and the exponent are looked at, so a huge exponent costs nothing.
    """
    if not value.is_finite():
        raise _error("number_finite", f"{what} must be finite (NaN and infinity are not numbers)")
    if value < 0:
        raise _negative(what)
    if value >= below:
        raise _too_large(what, limit)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # only NaN and infinity have a letter for an exponent
    if exponent < -places:
        raise _error(
            "number_places", f"{what} has at most {places} decimal places; got {-exponent}"
        )
    if exponent > 0:
        # 1E+6 (a JSON `1e6`, a scaled 万) is written out as 1000000, so it is echoed that way.
        value = value.quantize(Decimal(1), context=_EXACT)
    return value.copy_abs() if value.is_zero() else value


def _read_amount(value: Any) -> Decimal:
    """Read an amount in yuan (see AMOUNT_DESCRIPTION); the result is exact to the fen."""
    if isinstance(value, bool):
        raise _error("amount_type", f"an amount must be a number, not a boolean: {_AMOUNT_FORMS}")
    if isinstance(value, float):
        raise _error(
            "amount_float",
            "an amount must not be a float (binary floats cannot hold 0.01 exactly); "
            + _AMOUNT_FORMS,
        )
    if isinstance(value, int):
        # Compared before converting: a YAML hex integer can have a million digits.
        if value < 0:
            raise _negative(_AMOUNT)
        if value >= _MAX_AMOUNT_INT:
            raise _too_large(_AMOUNT, _AMOUNT_LIMIT)
        value = Decimal(value)
    elif isinstance(value, str):
        if not _AMOUNT_TEXT.fullmatch(value):
            raise _string_fault(value, _AMOUNT_FORMS, kind="amount")
        number = value.removesuffix("元")
        if number.endswith("万"):
            value = Decimal(number[:-1]).scaleb(4, context=_EXACT)
        else:
            value = Decimal(number)
    elif not isinstance(value, Decimal):
        raise _error("amount_type", f"an amount must be a number or a string: {_AMOUNT_FORMS}")
    return _check_decimal(value, places=2, below=_MAX_AMOUNT, what=_AMOUNT, limit=_AMOUNT_LIMIT)


def _read_integer(value: Any) -> int:
    """Read a whole number without ever converting one longer than _INTEGER_DIGITS digits."""
    forms = "give a whole number such as 3, or a string of the ASCII digits 0-9 such as '3'"
    if isinstance(value, bool):
        raise _error("integer_type", f"a whole number is expected, not a boolean: {forms}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise _error("integer_type", f"a binary float is not accepted: {forms}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _error("integer_type", f"a whole number must be finite: {forms}")
        if value.is_zero():
            return 0
        # adjusted() is the exponent of the leading digit: the size, read without converting.
        if value.adjusted() >= _INTEGER_DIGITS:
            raise _error("integer_too_large", f"the number is far too large: {forms}")
        if value != value.to_integral_value(context=_EXACT):
            raise _error("integer_type", f"a whole number is expected: {forms}")
        return int(value)
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            raise _string_fault(value, forms, kind="integer")
        if len(value.lstrip("0")) > _INTEGER_DIGITS:
            raise _error("integer_too_large", f"the number is far too large: {forms}")
        return int(value)
    raise _error("integer_type", f"a whole number is expected: {forms}")


def _read_years(value: Any) -> Decimal:
    """Read a duration in years: at most two decimals, up to 100, never a float."""
    forms = "give years as a number with at most two decimals, such as 3 or '2.5'"
    if isinstance(value, bool):
        raise _error("years_type", f"a number of years is expected, not a boolean: {forms}")
    if isinstance(value, float):
        raise _error("years_type", f"a binary float is not accepted: {forms}")
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, str):
        if not _YEARS_TEXT.fullmatch(value):
            raise _string_fault(value, forms, kind="years")
        value = Decimal(value)
    elif not isinstance(value, Decimal):
        raise _error("years_type", f"a number of years is expected: {forms}")
    return _check_decimal(value, places=2, below=_MAX_YEARS, what="a number of years", limit="100")


@dataclass(frozen=True, slots=True)
class MaxItems:
    """Refuse a collection longer than `limit` as a whole, before any member is validated.

    Validating first and counting after would report every bad member of a huge list (one issue
    each, with the whole vocabulary in every message) before the length is looked at.
    """

    limit: int

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        key = "maxProperties" if json_schema.get("type") == "object" else "maxItems"
        return {**json_schema, key: self.limit}

    def _check(self, value: Any) -> Any:
        # Runs on every field of every project read: the common cases first, without the
        # abstract-class check.
        kind = value.__class__
        if kind in _UNSIZED:
            return value
        if (
            kind in _COLLECTIONS
            or (isinstance(value, Sized) and not isinstance(value, str | bytes))
        ) and len(value) > self.limit:
            what = "entries" if isinstance(value, Mapping) else "members"
            raise PydanticCustomError(
                "too_long",
                "at most {limit} {what} are accepted, not {count}",
                {"limit": self.limit, "what": what, "count": len(value)},
            )
        return value


Amount = Annotated[
    Decimal,
    BeforeValidator(_read_amount),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "exclusiveMaximum": _MAX_AMOUNT_INT},
                {"type": "string", "pattern": AMOUNT_PATTERN},
            ],
            "description": AMOUNT_DESCRIPTION,
        },
        mode="validation",
    ),
]
"""A non-negative amount in yuan (CNY), exact to the fen, never a float."""

WholeNumber = BeforeValidator(_read_integer)
"""The reader of every integer field, written last so that it runs first on the raw input:
`Annotated[int, Field(ge=1, le=5), WholeNumber]`. The bounds come before it so that they stay
`minimum` and `maximum` in the JSON Schema."""

Years = Annotated[
    Decimal,
    BeforeValidator(_read_years),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "exclusiveMaximum": 100},
                {"type": "string", "pattern": _YEARS_PATTERN},
            ]
        },
        mode="validation",
    ),
]
"""A duration in years, with at most two decimals, below 100."""
