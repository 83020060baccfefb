"""The SMS gateway interface: what a sender does with one message, and how it can fail.

A sender makes exactly one attempt. Whether to try again is the dispatcher's call, made
from the kind of failure, so that no message is ever sent twice:

- `Retry`: the gateway certainly did not take the message (no connection, a 5xx, a 429).
- `Refused`: the gateway answered that it will not send it (8001-8014, other 4xx).
- `Unsure`: it may have taken it (the request went out, no usable answer came back).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

MAX_LENGTH = 160

# The Gupshup SMS API's failure reasons (docs/protocol/sms-api.txt, "Failure reasons and
# error codes").
ERRORS: dict[int, tuple[str, str]] = {
    8001: ("NOT_WHITELISTED_COUNTRY", "The country you have selected is not currently "
           "activated"),
    8002: ("INSUFFICIENT_WALLET_BALANCE", "You do not have sufficient funds to proceed"),
    8003: ("SENT_FAILED", "Message sent failure"),
    8004: ("INVALID_PHONE_NUMBER", "Please enter valid phone number"),
    8005: ("SERVER_ERROR", "The server encountered an internal error and was unable to "
           "complete your request"),
    8006: ("USER_NOT_OPTED_IN", "The entered phone number is not opted in"),
    8007: ("TEMPLATE_MATCHING_FAILED", "The template Id does not match with the entered "
           "sender ID"),
    8008: ("INVALID_SENDER_ID", "Please enter valid Sender ID"),
    8009: ("DISABLED_COUNTRY", "The recipient country is in a disabled state"),
    8010: ("TEMPLATE_DISABLED", "The selected template is in a disabled state"),
    8011: ("BAD_REQUEST", "You have sent a request this server could not understand"),
    8012: ("NOT_FOUND", "Template/Sender ID not found"),
    8013: ("HEADER_DISABLED", "The selected Sender ID is in a disabled state"),
    8014: ("COUNTRY_NOT_FOUND", "The selected country is currently not available"),
}
_BY_NAME = {name: code for code, (name, _) in ERRORS.items()}
_CODE = re.compile(r"\b(80(?:0[1-9]|1[0-4]))\b")
_NAME = re.compile(r"\b(" + "|".join(_BY_NAME) + r")\b")


@dataclass(frozen=True)
class Sms:
    """One message to send: E.164 digits (no '+') and at most 160 characters."""

    destination: str
    text: str


class SendFailure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Retry(SendFailure):
    """Not taken; safe to send again, not before `after` seconds when given."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


class Refused(SendFailure):
    """The gateway will not send this message."""


class Unsure(SendFailure):
    """The gateway may have taken the message: sending it again could send it twice."""


class Sender(Protocol):
    async def send(self, sms: Sms) -> str:
        """Make one attempt; return the gateway's message id or raise a SendFailure."""
        ...

    async def aclose(self) -> None: ...


def error_reason(status: int, body: str) -> str:
    """Plain words for a refusal: the 8001-8014 code when the body names one."""
    found = _CODE.search(body)
    code = int(found.group(1)) if found else None
    if code is None and (named := _NAME.search(body)):
        code = _BY_NAME[named.group(1)]
    if code is not None:
        name, description = ERRORS[code]
        return f"{name} ({code}): {description}"
    # Nothing of the body itself: a gateway may echo the text refused, and that text may
    # be a confirmation code, which must never reach a log or the outbox.
    return f"HTTP {status}"
