"""Text from a form field, an XML element or an attribute, typed as its schema wants (shared by forms and xmlbody)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

FORM_BOOLEANS: Mapping[str, bool] = {"true": True, "1": True, "on": True, "yes": True,
                                     "false": False, "0": False, "off": False, "no": False}


def typed_text(text: str, schema: dict[str, Any], booleans: Mapping[str, bool] = FORM_BOOLEANS,
               boolean_key: Callable[[str], str] = str.lower) -> Any:
    """`text` as the type its schema wants (integer, number, boolean, null); strings stay as sent.

    `booleans` are the words read as true or false, looked up by `boolean_key(text)`; ValueError names what is wrong.
    """
    declared = schema.get("type")
    kinds: list[Any] = declared if isinstance(declared, list) else [declared]
    if text == "" and ("null" in kinds or schema.get("nullable")):
        return None
    if "integer" in kinds:
        try:
            return int(text)
        except ValueError:
            if "string" not in kinds and "number" not in kinds:
                raise ValueError(f"{shown(text)} is not an integer") from None
    if "number" in kinds:
        try:
            number = float(text)
            return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
        except ValueError:
            if "string" not in kinds:
                raise ValueError(f"{shown(text)} is not a number") from None
    if "boolean" in kinds:
        word = boolean_key(text)
        if word in booleans:
            return booleans[word]
        if "string" not in kinds:
            raise ValueError(f"{shown(text)} is not a boolean (true or false)")
    return text


def is_kind(schema: dict[str, Any], kind: str) -> bool:
    """Whether a schema is of `kind`, by its `type` (or a list of types), or by `properties`/`items` when it has none."""
    declared = schema.get("type")
    return declared == kind or (isinstance(declared, list) and kind in declared) or (
        declared is None and kind == "object" and "properties" in schema) or (declared is None and kind == "array" and "items" in schema)


def shown(text: str) -> str:
    """A value quoted for a message, cut at 40 characters."""
    return repr(text if len(text) <= 40 else text[:37] + "...")
