"""API response objects with typed, validating accessors (`ResponseObject`).

A malformed field raises `FieldError`, which the collector turns into a `Rejection` naming the
response file, the record and the field; the other records of the response are still read.
"""

from __future__ import annotations

from typing import Any, NoReturn

from aisec_assets.discovery.aws.bundle import json_type


class FieldError(Exception):
    """A field of one record is missing or malformed; the record becomes a Rejection."""

    def __init__(self, location: str, field: str, reason: str, excerpt: str | None) -> None:
        super().__init__(f"{location}: {field}: {reason}")
        self.location = location
        self.field = field
        self.reason = reason
        self.excerpt = excerpt


class ResponseObject:
    """A JSON object of a response with typed, validating accessors.

    `location` is the response's file/call, `record` the top-level list element it belongs to
    (e.g. `agentSummaries[2]`) and `path` the object's own place inside that record, so a
    rejection can name file, record and field.
    """

    __slots__ = ("data", "location", "path", "record")

    def __init__(self, data: dict[str, Any], location: str, record: str = "", path: str = ""):
        self.data = data
        self.location = location
        self.record = record
        self.path = path

    @property
    def where(self) -> str:
        return f"{self.location}#{self.record}" if self.record else self.location

    def field_path(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, reason: str, excerpt: str | None = None) -> NoReturn:
        raise FieldError(self.where, self.field_path(name), reason, excerpt)

    def _keys_excerpt(self) -> str:
        return "keys: " + ", ".join(sorted(str(k) for k in self.data)[:10])

    def req_str(self, name: str) -> str:
        value = self.data.get(name)
        if value is None:
            self.fail(name, "required field is missing", self._keys_excerpt())
        if not isinstance(value, str) or not value.strip():
            self.fail(name, f"expected a non-empty string, found {json_type(value)}")
        return value

    def opt_str(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(name, f"expected a string, found {json_type(value)}")
        return value or None

    def opt_int(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, f"expected an integer, found {json_type(value)}")
        return value

    def opt_float(self, name: str) -> float | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(name, f"expected a number, found {json_type(value)}")
        return float(value)

    def opt_bool(self, name: str) -> bool | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(name, f"expected true or false, found {json_type(value)}")
        return value

    def opt_obj(self, name: str) -> ResponseObject | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(name, f"expected an object, found {json_type(value)}")
        return ResponseObject(value, self.location, self.record, self.field_path(name))

    def req_obj(self, name: str) -> ResponseObject:
        found = self.opt_obj(name)
        if found is None:
            self.fail(name, "required field is missing", self._keys_excerpt())
        return found

    def objs(self, name: str) -> list[ResponseObject]:
        """A nested list of objects (absent = empty); a bad element fails the whole record."""
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(name, f"expected an array, found {json_type(value)}")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(f"{name}[{i}]", f"expected an object, found {json_type(item)}")
            out.append(
                ResponseObject(item, self.location, self.record, self.field_path(f"{name}[{i}]"))
            )
        return out

    def str_list(self, name: str) -> list[str]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(name, "expected an array of strings")
        return list(value)

    def str_map(self, name: str) -> dict[str, str]:
        value = self.data.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            self.fail(name, "expected an object of string values")
        return dict(value)
