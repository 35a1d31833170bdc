"""kait_plugin: helpers for Kait transformer plugins in Python (componentize-py).

Pure Python, no imports outside the standard library except, lazily, the
`wit_world` package componentize-py generates at build time, so the models and
helpers can be tested with plain `python -m unittest`.
"""

from .errors import failed, invalid_config, invalid_event
from .event import EVENT_TYPES, Address, Checkout, Event, Item, Person, Product, parse_event
from .format import DEFAULT_DATE_FORMAT, date, money

__all__ = [
    "EVENT_TYPES",
    "DEFAULT_DATE_FORMAT",
    "Address",
    "Checkout",
    "Event",
    "Item",
    "Person",
    "Product",
    "date",
    "failed",
    "invalid_config",
    "invalid_event",
    "money",
    "parse_event",
]
