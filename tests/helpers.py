"""Calling a GupShup-compatible API in tests and reading either format with a real parser."""

from __future__ import annotations

import json
from typing import Any

import httpx
from defusedxml import ElementTree

from widget_server.gupshup.demo import DEMO_PASSWORD, DEMO_PHONE
from widget_server.protocol import REST_PATH, login_rand

REST = REST_PATH


def parse(response: httpx.Response) -> dict[str, Any]:
    """The `response` object of either format, XML turned into the same shape as JSON."""
    if response.headers["content-type"].startswith("application/json"):
        body: dict[str, Any] = json.loads(response.text)["response"]
        return body
    root = ElementTree.fromstring(response.content, forbid_dtd=True)
    assert root.tag == "response"
    result = _element(root)
    assert isinstance(result, dict)
    return result


def _element(element: Any) -> Any:
    children = list(element)
    if not children:
        return element.text or ""
    tags = [c.tag for c in children]
    if len(tags) > 1 and len(set(tags)) == 1 and element.tag.endswith(("s", "ies")):
        return [_element(c) for c in children]
    if len(tags) == 1 and element.tag in ("messages", "groups", "replies", "results"):
        return [_element(children[0])]
    return {c.tag: _element(c) for c in children}


async def call(client: httpx.AsyncClient, method: str, fmt: str | None = "json",
               **params: Any) -> dict[str, Any]:
    query = {"method": method, "v": "1.0", **{k: str(v) for k, v in params.items()}}
    if fmt is not None:
        query["format"] = fmt
    response = await client.get(REST, params=query)
    assert response.status_code == 200
    return parse(response)


def error_code(body: dict[str, Any]) -> int | None:
    if body["status"] == "success":
        return None
    return int(body["error"]["code"])


def post_over_http(base: str, group: str, *texts: str) -> list[str]:
    """Post as the demo owner through a GupShup API served at `base` (`/GupshupAPI/rest`
    of `widget-server gupshup`, or of a widget server that exposes it); the ids."""
    rest = base + REST
    with httpx.Client() as client:
        challenge = client.get(rest, params={"method": "users.getChallenge", "v": "1.0",
                                             "format": "json"}).json()["response"]
        token = client.get(rest, params={
            "method": "users.login", "v": "1.0", "format": "json", "phone": DEMO_PHONE,
            "countryCode": "91", "challenge": challenge["challenge"],
            "rand": login_rand(DEMO_PASSWORD, challenge["salt"], challenge["challenge"]),
        }).json()["response"]["token"]
        ids = []
        for text in texts:
            body = client.post(rest, data={"method": "groups.postMessage", "v": "1.0",
                                           "format": "json", "token": token,
                                           "groupName": group, "text": text}).json()
            assert body["response"]["status"] == "success", body
            ids.append(str(body["response"]["message"]["id"]))
        return ids
