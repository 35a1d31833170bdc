"""A Kait transformer plugin in Python: posts a Discord-style message for each event.

componentize-py turns this module into a WebAssembly component of the WIT world
`transformer` (../../wit/plugin.wit). It generates the `wit_world` package at build
time; we implement its `WitWorld` protocol in a class that MUST be named `WitWorld`.

The three exported functions are:
  info()                   -> who we are and the JSON Schema of our config
  validate_config(config)  -> None, or raise Err(PluginError_InvalidConfig(...))
                            (the kit's kait_plugin.invalid_config(...) builds it)
  transform(event, config) -> an Action, or raise Err(PluginError_...(...))

Plugins never do I/O themselves: `transform` returns the HTTP request(s) and the
host sends them. The only host service we call is `host.log`.
"""

import json

import wit_world
from kait_plugin import invalid_config, parse_event
from wit_world.imports import host
from wit_world.imports.types import (
    Action,
    Action_Send,
    Event,
    OutgoingRequest,
    PluginInfo,
)

# JSON Schema (draft 2020-12) of the webhook configuration, shown to users by the host.
CONFIG_SCHEMA = json.dumps(
    {
        "type": "object",
        "required": ["url"],
        "additionalProperties": False,
        "properties": {
            "url": {
                "type": "string",
                "format": "uri",
                "description": "The Discord (or compatible) webhook URL",
            },
            "username": {
                "type": "string",
                "description": "Name the message is posted under; default Kait",
            },
        },
    }
)


class WitWorld(wit_world.WitWorld):
    def info(self) -> PluginInfo:
        return PluginInfo(
            name="discord",
            version="1.0.0",
            description="Discord-style message listing the items and the total (Python example)",
            config_schema=CONFIG_SCHEMA,
        )

    def validate_config(self, config: str) -> None:
        parse_config(config)  # raises Err(PluginError_InvalidConfig(...)) when invalid

    def transform(self, event: Event, config: str) -> Action:
        cfg = parse_config(config)

        # The kit's parse_event reads the payload (JSON text) into dataclasses and
        # raises Err(PluginError_InvalidEvent(...)) when there is no checkout; the
        # checkout as sent is in .raw.
        checkout = parse_event(event).checkout.raw

        items = checkout.get("items")
        if not isinstance(items, list):
            items = []
        lines = [item_line(item, checkout) for item in items]

        content = "\n".join(
            [f"**{event.kind}** · order {json_text(checkout.get('id'))}"]
            + lines
            + [f"Total: {text(checkout.get('currency'))} {money(checkout.get('total'))}"]
        )

        host.log(host.Level.INFO, f"formatted {len(lines)} items for {event.kind}")

        body = {"username": cfg.get("username", "Kait"), "content": content}
        request = OutgoingRequest(
            method="POST",
            url=cfg["url"],
            headers=[("content-type", "application/json")],
            # Compact UTF-8 JSON; ensure_ascii=False keeps "•" etc. as real characters.
            body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
            auth=None,  # Discord webhook URLs carry their own secret; no Authorization header
        )
        return Action_Send([request])


# --- configuration -------------------------------------------------------------------


def parse_config(config: str) -> dict:
    """Parses and checks the config JSON; raises Err(PluginError_InvalidConfig) if bad."""
    invalid = invalid_config  # the kit's Err(PluginError_InvalidConfig(msg))

    cfg = load_json(config)
    if not isinstance(cfg, dict):
        raise invalid("config must be a JSON object")
    url = cfg.get("url")
    if not isinstance(url, str):
        raise invalid("url: required, a string")
    if not url.startswith(("https://", "http://")):
        raise invalid("url: must start with https:// or http://")
    if "username" in cfg and not isinstance(cfg["username"], str):
        raise invalid("username: must be a string")
    for key in cfg:
        if key not in ("url", "username"):
            raise invalid(f"{key}: unknown field; expected url, username")
    return cfg


# --- formatting helpers --------------------------------------------------------------


def item_line(item, checkout: dict) -> str:
    """One line per item: "• 2 × Product (Variant): MYR 59.80"."""
    if not isinstance(item, dict):
        item = {}
    product = item.get("product")
    product_name = product.get("name") if isinstance(product, dict) else None
    if not isinstance(product_name, str):
        product_name = "item"

    quantity = item.get("quantity")
    if not is_number(quantity):
        quantity = 1

    currency = item.get("currency")
    if not isinstance(currency, str):
        currency = text(checkout.get("currency"))

    subtotal = item.get("subtotal")
    if not is_number(subtotal):
        price = item.get("price")
        subtotal = price * quantity if is_number(price) else 0

    variant = item.get("name")
    variant = f" ({variant})" if isinstance(variant, str) and variant else ""
    return f"• {json_text(quantity)} × {product_name}{variant}: {currency} {money(subtotal)}"


def load_json(text_: str):
    """json.loads that returns None instead of raising, and rejects NaN/Infinity."""
    try:
        return json.loads(text_, parse_constant=lambda c: _raise(ValueError(c)))
    except ValueError:  # json.JSONDecodeError is a ValueError
        return None


def _raise(exc: Exception):
    raise exc


def is_number(value) -> bool:
    # bool is a subclass of int in Python, but true/false are not numbers in JSON.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def money(value) -> str:
    """Exactly two decimals: 59.8 -> "59.80", 89 -> "89.00"; non-numbers count as 0."""
    return f"{value if is_number(value) else 0:.2f}"


def text(value) -> str:
    """A JSON string as is; anything else (missing, null, a number...) as ""."""
    return value if isinstance(value, str) else ""


def json_text(value) -> str:
    """A string as is, anything else as JSON would print it (1262140, 2, null)."""
    return value if isinstance(value, str) else json.dumps(value)
