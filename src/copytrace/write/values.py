"""How a record's values are written where their type has no form of its own: JSON (JSONL output) and text (CSV
output, and a Parquet column whose values have no one Arrow type).

The forms follow the proto3 JSON mapping where it has one: ISO 8601 dates, times and timestamps (with the offset
when the timestamp has a zone), a decimal as its digits in a string, binary as standard base64 with padding, NaN
and the infinities as the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers). A duration is an ISO
8601 duration in seconds ("PT90.5S", "-PT86400S"). A map is a JSON object (a non-string key as its text), or a
list of [key, value] pairs when a key repeats; a struct is an object, a list a list."""
from __future__ import annotations

import base64
import datetime as dt
import json
import math
from decimal import Decimal
from typing import Any


class UnwritableValue(TypeError):
    """A value of a type no form is defined for."""


def json_form(value: Any) -> Any:
    """The value as JSON can hold it: None, bool, int, finite float, str, list or dict of those."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, (dt.datetime, dt.date, dt.time)):  # (a datetime is a date)
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dt.timedelta):
        return _iso_duration(value)
    if isinstance(value, dict):
        return {_json_key(k): json_form(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_form(v) for v in value]
    raise UnwritableValue(f"no JSON form for a {type(value).__name__}")


def _json_key(key: Any) -> str:
    form = json_form(key)
    return form if isinstance(form, str) else json.dumps(form)


def _iso_duration(value: dt.timedelta) -> str:
    micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    seconds, fraction = divmod(abs(micros), 1_000_000)
    digits = f"{seconds}.{fraction:06d}".rstrip("0").rstrip(".")
    return f"{'-' if micros < 0 else ''}PT{digits}S"


def text_cell(value: Any) -> str:
    """The value as a CSV cell: empty for null, a string as it is, what JSON writes as a string unquoted (a date,
    a decimal, base64 binary), anything else (numbers, booleans, lists, objects) as its JSON text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    form = json_form(value)
    return form if isinstance(form, str) else json.dumps(form, ensure_ascii=False)
