"""Typed reads of JSON/form request fields, with PixVerse's error codes.

Ids may arrive as numbers or numeric strings; booleans are not numbers here.
"""

from __future__ import annotations

from typing import Any

from vidswap.errors import InvalidParameter, WrongParameterType


def _present(params: dict[str, Any], name: str) -> bool:
    return params.get(name) not in (None, "")


def int_field(params: dict[str, Any], name: str, *, default: int | None = None) -> int | None:
    """An integer field: int or numeric string; absent -> `default`."""
    if not _present(params, name):
        return default
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise WrongParameterType(f"The parameter {name} must be an integer.")
    try:
        return int(value)
    except ValueError:
        raise WrongParameterType(f"The parameter {name} must be an integer.") from None


def id_field(params: dict[str, Any], name: str) -> int | None:
    value = int_field(params, name)
    if value is not None and value < 1:
        raise InvalidParameter(f"The parameter {name} must be a positive id.")
    return value


def one_of(params: dict[str, Any], first: str, second: str) -> tuple[str, int]:
    """Exactly one of two id fields: returns `(name, id)` of the one given."""
    a, b = id_field(params, first), id_field(params, second)
    if a is not None and b is not None:
        raise InvalidParameter(f"Send either {first} or {second}, not both.")
    if a is not None:
        return first, a
    if b is not None:
        return second, b
    raise InvalidParameter(f"Send one of {first} or {second}.")
