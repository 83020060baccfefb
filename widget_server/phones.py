"""Indian mobile numbers in any common form, parsed with `phonenumbers`."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType

_MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def indian_mobile(text: str) -> str | None:
    """The 10-digit national number of an Indian mobile, or None for anything else."""
    if not text or len(text) > 32:
        return None
    try:
        number = phonenumbers.parse(text, "IN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 91 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _MOBILE:
        return None
    return str(number.national_number)


def e164_digits(national: str) -> str:
    """The E.164 digits (no '+') an SMS API wants: `91` and the national number."""
    return "91" + national


def masked(national: str) -> str:
    """For logs: enough to tell numbers apart, not enough to use one."""
    return "+91******" + national[-4:]
