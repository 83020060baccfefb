"""The two real senders: the Gupshup SMS API (docs/protocol/sms-api.txt) and the partner
template API (docs/protocol/partner-template-api.txt). Each makes one POST per attempt and
says, by the exception it raises, whether the message may be sent again (see `gateway`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from widget_server.clock import Clock
from widget_server.sms.gateway import Refused, Retry, Sms, Unsure, error_reason
from widget_server.state.base import Limit, StateStore, StoreDown
from widget_server.state.limits import StoreCounters

MAX_RESPONSE = 64 * 1024
TOO_MANY_WAIT = 60.0
Sleep = Callable[[float], Awaitable[None]]


class HttpSender:
    """One form POST with a total deadline, its outcome sorted into Retry/Refused/Unsure."""

    def __init__(self, client: httpx.AsyncClient, timeout: float) -> None:
        self._client = client
        self._timeout = timeout

    async def post(self, url: str, headers: dict[str, str], form: dict[str, str]) -> str:
        try:
            async with asyncio.timeout(self._timeout):
                status, retry_after, body = await self._exchange(url, headers, form)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise Retry(f"cannot connect to the gateway: {type(error).__name__}") from error
        except (httpx.HTTPError, TimeoutError) as error:
            # The request may have reached the gateway: sending again could send twice.
            raise Unsure(f"no answer from the gateway: {type(error).__name__}") from error
        return _message_id(status, retry_after, body)

    async def _exchange(self, url: str, headers: dict[str, str],
                        form: dict[str, str]) -> tuple[int, str | None, str]:
        request = self._client.build_request("POST", url, headers=headers, data=form)
        response = await self._client.send(request, stream=True, follow_redirects=False)
        try:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE:
                    break
        finally:
            await response.aclose()
        text = bytes(body[:MAX_RESPONSE]).decode("utf-8", "replace")
        return response.status_code, response.headers.get("retry-after"), text

    async def aclose(self) -> None:
        await self._client.aclose()


def _message_id(status: int, retry_after: str | None, body: str) -> str:
    if status == 429:
        after = _seconds(retry_after)
        raise Retry("the gateway is rate limiting (429)",
                    TOO_MANY_WAIT if after is None else after)
    if status >= 500:
        raise Retry(f"the gateway failed: {error_reason(status, body)}", _seconds(retry_after))
    if status >= 300:
        raise Refused(error_reason(status, body))
    try:
        payload: Any = json.loads(body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise Unsure(f"the gateway answered {status} with something other than JSON")
    if str(payload.get("status", "")).lower() == "error":
        raise Refused(error_reason(status, body))
    message_id = payload.get("messageId")
    if not isinstance(message_id, str) or not message_id or len(message_id) > 100:
        raise Unsure(f"the gateway answered {status} without a message id")
    return message_id


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


class SmsApiSender(HttpSender):
    """`POST {base}/sms/v1/message/{appid}` with the `apikey` header (docs/protocol/sms-api.txt)."""

    def __init__(self, client: httpx.AsyncClient, timeout: float, *, base_url: str,
                 app_id: str, api_key: str, source: str) -> None:
        super().__init__(client, timeout)
        self._url = f"{base_url.rstrip('/')}/sms/v1/message/{app_id}"
        self._headers = {"apikey": api_key, "Accept": "application/json"}
        self._source = source

    async def send(self, sms: Sms) -> str:
        form = {"destination": sms.destination, "message": sms.text, "source": self._source}
        return await self.post(self._url, self._headers, form)


class Pacer:
    """Keeps a sender under a documented rate (a sliding window, as the gateway counts),
    counted in the state store so that a restart or a second worker does not reset it."""

    def __init__(self, per_minute: int, store: StateStore, clock: Clock,
                 sleep: Sleep = asyncio.sleep) -> None:
        self._limit = [Limit(per_minute, 60)]
        self.store = store
        self._counters = StoreCounters(store, clock)
        self._sleep = sleep

    async def aclose(self) -> None:
        await self.store.aclose()

    async def wait(self) -> None:
        try:
            while (wait := await self._counters.hit([("sms-pace", self._limit)])) is not None:
                await self._sleep(wait)
        except StoreDown as error:  # uncounted, it could break the pace: not sent
            raise Retry("the SMS pace cannot be counted (state store unavailable)",
                        10.0) from error


class TemplateSender(HttpSender):
    """`POST {base}/partner/app/{appId}/template/msg` with the partner `token` header
    (docs/protocol/partner-template-api.txt): at most 10 requests a minute, so it paces
    itself at 9."""

    PER_MINUTE = 9

    def __init__(self, client: httpx.AsyncClient, timeout: float, *, base_url: str,
                 app_id: str, token: str, app_name: str, template_id: str, source: str,
                 pacer: Pacer) -> None:
        super().__init__(client, timeout)
        self._url = f"{base_url.rstrip('/')}/partner/app/{app_id}/template/msg"
        self._headers = {"token": token, "Accept": "application/json"}
        self._fields = {"source": source, "src.name": app_name}
        self._template_id = template_id
        self.pacer = pacer

    async def send(self, sms: Sms) -> str:
        await self.pacer.wait()
        form = {**self._fields, "destination": sms.destination,
                "template": json.dumps({"id": self._template_id, "params": [sms.text]}),
                "message": json.dumps({"type": "text", "text": sms.text})}
        return await self.post(self._url, self._headers, form)

    async def aclose(self) -> None:
        await super().aclose()
        await self.pacer.aclose()
