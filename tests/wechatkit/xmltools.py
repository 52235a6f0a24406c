"""Tiny XML writer and reader for WeChat's flat `<xml>` documents.

WeChat wraps strings in CDATA and writes numbers bare; nested fields
(ScanCodeInfo, SendPicsInfo, Articles) are dicts or lists of dicts here.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

Value = str | int | float | None | Mapping[str, Any] | Sequence[Any]


def cdata(text: str) -> str:
    """Wrap text in CDATA; a literal "]]>" is split across two sections."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_value(value: Value) -> str:
    """Render one field value: strings in CDATA, numbers bare, dicts as children."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return cdata(value)
    if isinstance(value, Mapping):
        return "".join(render_field(k, v) for k, v in value.items())
    if isinstance(value, Sequence):
        # A list renders as repeated <item> children (PicList, Articles).
        return "".join(render_field("item", v) for v in value)
    raise TypeError(f"cannot render {type(value).__name__}")


def render_field(tag: str, value: Value) -> str:
    """Render `<tag>value</tag>`."""
    return f"<{tag}>{render_value(value)}</{tag}>"


def render_xml(fields: Mapping[str, Value]) -> str:
    """Render a whole WeChat document: `<xml>` plus one element per field."""
    return "<xml>" + "".join(render_field(k, v) for k, v in fields.items()) + "</xml>"


# Container elements whose children are always a list of items, even when one.
_LIST_CONTAINERS = frozenset({"Articles", "PicList"})


def element_to_value(elem: ET.Element) -> Any:
    """Convert an element: text for leaves, dict for parents, list for containers."""
    children = list(elem)
    if not children:
        return elem.text or ""
    if elem.tag in _LIST_CONTAINERS:
        return [element_to_value(c) for c in children]
    out: dict[str, Any] = {}
    for child in children:
        value = element_to_value(child)
        if child.tag in out:
            prev = out[child.tag]
            out[child.tag] = prev + [value] if isinstance(prev, list) else [prev, value]
        else:
            out[child.tag] = value
    return out


def parse_xml(text: str | bytes) -> dict[str, Any]:
    """Parse a trusted WeChat document (our server's reply) into a dict.

    Only for documents the code under test produced; never feed hostile input
    here, hostile input goes to the server.
    """
    root = ET.fromstring(text)
    if root.tag != "xml":
        raise ValueError(f"root element is <{root.tag}>, expected <xml>")
    value = element_to_value(root)
    return value if isinstance(value, dict) else {}
