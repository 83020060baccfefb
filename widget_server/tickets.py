"""The upstream's subscription token travels to the browser only inside a ticket: signed
with itsdangerous, bound to phone and group, good for ten minutes."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from widget_server.clock import Clock

TICKET_SECONDS = 600


class InvalidTicket(Exception):
    """Tampered with, for another group, or not a ticket at all."""


class ExpiredTicket(InvalidTicket):
    pass


@dataclass(frozen=True)
class Ticket:
    phone: str
    group: str
    token: str
    issued: float


def signing_keys(secret: str) -> list[str]:
    """WIDGET_SECRET_KEY may hold several keys, separated by spaces: the first signs, every
    one is accepted (a rotation: put the new key first, drop the old one a ticket's life
    later)."""
    return secret.split() or [secret]


def clock_serializer(secret: str, salt: str, clock: Clock) -> URLSafeTimedSerializer:
    """Signed, timestamped payloads on our clock (tests move it; itsdangerous's own is the
    system's)."""
    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock())

    # itsdangerous signs with the last of its keys and accepts all.
    return URLSafeTimedSerializer(list(reversed(signing_keys(secret))), salt=salt,
                                  signer=ClockSigner)


class Tickets:
    def __init__(self, secret: str, clock: Clock) -> None:
        self._clock = clock
        self._serializer = clock_serializer(secret, "subscribe-ticket", clock)

    def issue(self, phone: str, group: str, token: str) -> str:
        payload = {"p": phone, "g": group.lower(), "t": token, "i": self._clock()}
        return str(self._serializer.dumps(payload))

    def read(self, ticket: str, group: str) -> Ticket:
        try:
            data = self._serializer.loads(ticket[:1024], max_age=TICKET_SECONDS)
        except SignatureExpired:
            raise ExpiredTicket from None
        except BadData:
            raise InvalidTicket from None
        if not isinstance(data, dict) or data.get("g") != group.lower():
            raise InvalidTicket
        return Ticket(str(data["p"]), str(data["g"]), str(data["t"]), float(data["i"]))
