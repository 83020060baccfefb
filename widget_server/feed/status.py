"""What every process knows of the feed: the watcher writes it to the state store after
each poll, the others read it every second. A key is covered (kept current by the feed,
not by its own refreshes) while the feed is live and the key's data was fetched after
the feed's unbroken watch began."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace

from widget_server import keys
from widget_server.feed.plan import PROBE, FeedPlan, Mode

LATE = 5.0  # seconds a poll may be late before the feed no longer counts as live


@dataclass(frozen=True)
class FeedStatus:
    mode: Mode = "idle"
    since: float = math.inf  # every public post made since then has been applied
    checked: float = 0.0  # the last complete poll: covered data is current as of then
    interval: float = PROBE  # seconds between polls
    rate: float = 0.0  # calls a second the feed spends: the rest is the keys'
    post_rate: float = 0.0  # posts a second, over every public group
    seen: tuple[str, ...] = ()  # the newest ids read: where the next watcher goes on from

    def live(self, now: float) -> bool:
        return self.mode == "feed" and self.checked >= now - 2 * self.interval - LATE

    def covers(self, key: str, fetched: float, now: float) -> bool:
        return self.live(now) and fetched >= self.since and keys.first_page(key)

    def planned(self, plan: FeedPlan, post_rate: float) -> FeedStatus:
        return replace(self, mode=plan.mode, interval=plan.interval, rate=plan.rate,
                       post_rate=post_rate)

    def encode(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def decode(cls, text: str) -> FeedStatus | None:
        try:
            found = json.loads(text)
            fields = {k: v for k, v in found.items() if k in cls.__dataclass_fields__}
            return cls(**{**fields, "seen": tuple(str(i) for i in fields.get("seen", ()))})
        except (ValueError, TypeError, AttributeError):
            return None
