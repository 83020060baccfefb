"""The project's own upstream errors; views catch these, never httpx's.

    UpstreamError
    ├── BudgetExhausted        no call allowed now (our budget or a cool-down); retry_after
    ├── TooManyMisses          this client has taken its share of a use's room lately
    ├── Unavailable            network error, timeout, 5xx, redirect, oversized or bad body
    │   └── SiteTrouble        our own state store failed: nothing could be counted
    └── ApiRefused             an in-band error envelope: code and message
        ├── GroupNotFound      the group name is invalid or unknown
        ├── PrivateGroup       the group is private
        └── Throttled          error 113: the upstream's throttle refused the call
"""

from __future__ import annotations


class UpstreamError(Exception):
    """Anything that kept an upstream call from giving data."""

    def copy(self) -> UpstreamError:
        """The same error, anew: no traceback, no context. What is kept and raised again is
        always a fresh one, so nothing keeps the frames of the requests that raised it."""
        return type(self)(*self.args)


class BudgetExhausted(UpstreamError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"no upstream budget for {retry_after:.0f} s")
        self.retry_after = max(1.0, retry_after)

    def copy(self) -> BudgetExhausted:
        return BudgetExhausted(self.retry_after)


class TooManyMisses(UpstreamError):
    """This client has taken its share of a use's room (`upstream.priority`): made-up
    names, offsets or logins from one address cannot spend everyone's budget."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many uncached requests; try again in {retry_after:.0f} s")
        self.retry_after = max(1.0, retry_after)

    def copy(self) -> TooManyMisses:
        return TooManyMisses(self.retry_after)


class Unavailable(UpstreamError):
    """The upstream could not be reached or answered something unusable."""


class SiteTrouble(Unavailable):
    """This site's own state store (Redis, or the disk) failed: no call could be counted
    and none was made. Said to people as the site's trouble, not GupShup's."""


class ApiRefused(UpstreamError):
    def __init__(self, code: int, message: str, body: dict[str, object] | None = None) -> None:
        super().__init__(f"upstream error {code}: {message}")
        self.code = code
        self.message = message
        self.body = body or {}  # the whole answer: a partial success tallies its items

    def copy(self) -> ApiRefused:
        return type(self)(self.code, self.message)


class GroupNotFound(ApiRefused):
    pass


class PrivateGroup(ApiRefused):
    pass


class Throttled(ApiRefused):
    def window(self) -> str:
        for name in ("day", "hour", "minute"):
            if name in self.message:
                return name
        return "minute"
