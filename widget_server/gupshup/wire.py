"""The envelope of docs/protocol/wire.md: `{"response": {...}}` in JSON,
`<response>…</response>` in XML."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"

# Characters XML 1.0 forbids (a document holding one is not well-formed), whatever their
# source: a stored message, an echoed request value.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SINGULAR = {
    "messages": "message", "groups": "group", "replies": "reply",
    "results": "result", "invites": "invite",
}


def render(payload: Mapping[str, Any], fmt: str) -> tuple[bytes, str]:
    """Encode the body of a response (what goes inside `response`) as JSON or XML."""
    if fmt == "json":
        return json.dumps({"response": payload}, ensure_ascii=False).encode(), JSON_TYPE
    root = Element("response")
    _fill(root, payload)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8",
                                                                  xml_declaration=False), XML_TYPE


def _fill(parent: Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if item is not None:
                _fill(SubElement(parent, key), item)
    elif isinstance(value, list):
        child = _SINGULAR.get(parent.tag, "item")
        for item in value:
            _fill(SubElement(parent, child), item)
    elif isinstance(value, bool):
        parent.text = "true" if value else "false"
    else:
        parent.text = _NOT_XML.sub("\ufffd", str(value))
