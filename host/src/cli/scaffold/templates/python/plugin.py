"""__NAME__: a Kait transformer plugin.

Posts {"text": "order.paid · order 1262140 · RM 203.70"} to the configured `url`
for every event. Change `transform` to send what you need.

Errors are raised with the kit's helpers: `raise invalid_config("...")` is
`raise Err(PluginError_InvalidConfig("..."))` inside the component.
"""

import json

from kait_plugin import invalid_config, money, parse_event

CONFIG_SCHEMA = {
    "type": "object",
    "required": ["url"],
    "additionalProperties": False,
    "properties": {
        "url": {"type": "string", "format": "uri", "description": "Where to POST the message"},
    },
}


def info() -> dict:
    return {
        "name": "__NAME__",
        "version": "0.1.0",
        "description": "Posts a one-line summary of each event",
        "config_schema": json.dumps(CONFIG_SCHEMA),
    }


def parse_config(text: str) -> dict:
    try:
        config = json.loads(text)
    except ValueError:
        config = None
    if not isinstance(config, dict):
        raise invalid_config("config must be a JSON object")
    url = config.get("url")
    if not isinstance(url, str):
        raise invalid_config("url: required, a string")
    if not url.startswith(("https://", "http://")):
        raise invalid_config("url: must start with https:// or http://")
    return config


def validate_config(config: str) -> None:
    parse_config(config)


def transform(event, config: str, log=lambda message: None) -> list:
    """The requests to send, as dicts of outgoing-request's fields (app.py wraps them)."""
    cfg = parse_config(config)
    parsed = parse_event(event)
    checkout = parsed.checkout
    text = f"{parsed.type} · order {checkout.id} · {money(checkout.total, checkout.currency)}"
    log(f"summarised {parsed.type}")
    body = json.dumps({"text": text}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return [
        {
            "method": "POST",
            "url": cfg["url"],
            "headers": [("content-type", "application/json")],
            "body": body,
        }
    ]
