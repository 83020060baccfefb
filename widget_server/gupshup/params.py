"""Request parameters, matched case-insensitively and validated with the documented codes."""

from __future__ import annotations

from collections.abc import Iterable

from widget_server.gupshup.errors import ApiError

MAX_VALUE = 2048
MAX_INT = 1_000_000  # a range's or count's bound where the docs give none
MAX_OFFSET = 2**62  # `from`: any offset a page can start at (past the end, an empty page)


class Params:
    """The parameters of one call. The first value of a name wins; names ignore case."""

    def __init__(self, items: Iterable[tuple[str, str]], *, oversized: bool = False) -> None:
        self.oversized = oversized
        self._values: dict[str, str] = {}
        for key, value in items:
            self._values.setdefault(key.lower(), value)

    def peek(self, name: str) -> str:
        """A short, never-failing look at a value, for routing a call before validation."""
        return self._values.get(name.lower(), "").strip()[:64]

    def get(self, name: str) -> str | None:
        value = self._values.get(name.lower())
        if value is not None and len(value) > MAX_VALUE:
            raise ApiError(111, name, f"{MAX_VALUE} characters")
        return value

    def text(self, name: str) -> str | None:
        """The stripped value, or None when absent or blank."""
        value = self.get(name)
        return value.strip() or None if value is not None else None

    def required(self, name: str, label: str | None = None) -> str:
        value = self.text(name)
        if value is None:
            raise ApiError(109, label or name)
        return value

    def integer(self, name: str, default: int, low: int, high: int,
                bound_error: ApiError | None = None, *, own_code: bool = False) -> int:
        """An integer within [low, high]: 110 if not a number, else `bound_error` or 111.
        `own_code`: the method documents `bound_error` for any bad value, numbers or not."""
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            if own_code and bound_error is not None:
                raise bound_error from None
            raise ApiError(110, name, "integer") from None
        if not low <= value <= high:
            raise bound_error or ApiError(111, name, f"{low} to {high}")
        return value

    def offset(self, bound_error: ApiError | None = None, *, own_code: bool = False) -> int:
        return self.integer("from", 0, 0, MAX_OFFSET, bound_error, own_code=own_code)

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.text(name)
        if raw is None:
            return default
        if raw.lower() in ("true", "1", "yes"):
            return True
        if raw.lower() in ("false", "0", "no"):
            return False
        raise ApiError(110, name, "boolean")
