"""The event format (GET /v1/event-types/schema) as dataclasses.

Every field is optional, as the platform leaves fields out; fields the models
do not name are kept in `extra` (and the whole checkout as sent in `raw`).
"""

import json
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from .errors import invalid_event

EVENT_TYPES = (
    "order.paid",
    "order.shipped",
    "checkout.abandoned",
    "checkout.completed",
    "checkout.updated",
    "order.processing",
    "order.completed",
    "order.updated",
    "order.ready_for_pickup",
    "order.packed",
)

Number = Union[int, float]


def _str(value) -> Optional[str]:
    return value if isinstance(value, str) else None


def _num(value) -> Optional[Number]:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return value if ok else None


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


@dataclass
class Product:
    name: Optional[str] = None
    sku: Optional[str] = None


@dataclass
class Item:
    """One item (variant) of the checkout."""

    product: Product = field(default_factory=Product)
    name: Optional[str] = None  # the variant, e.g. "2 Unit/ Hitam"
    currency: Optional[str] = None
    price: Optional[Number] = None
    quantity: Optional[int] = None
    subtotal: Optional[Number] = None  # the line total

    @staticmethod
    def from_json(value) -> "Item":
        d = _dict(value)
        product = _dict(d.get("product"))
        quantity = d.get("quantity")
        return Item(
            product=Product(_str(product.get("name")), _str(product.get("sku"))),
            name=_str(d.get("name")),
            currency=_str(d.get("currency")),
            price=_num(d.get("price")),
            quantity=quantity if isinstance(quantity, int) and not isinstance(quantity, bool) else None,
            subtotal=_num(d.get("subtotal")),
        )


_PERSON = ("first_name", "last_name", "phone", "email")
_ADDRESS = ("address1", "address2", "zip", "city", "state")


@dataclass
class Person:
    first_name: Optional[str] = None
    last_name: Optional[str] = None
    phone: Optional[str] = None  # digits with the country code, e.g. 60123456789
    email: Optional[str] = None

    @staticmethod
    def from_json(value) -> "Person":
        d = _dict(value)
        return Person(*(_str(d.get(k)) for k in _PERSON))


@dataclass
class Address(Person):
    address1: Optional[str] = None
    address2: Optional[str] = None
    zip: Optional[str] = None
    city: Optional[str] = None
    state: Optional[str] = None

    @staticmethod
    def from_json(value) -> "Address":
        d = _dict(value)
        return Address(*(_str(d.get(k)) for k in _PERSON + _ADDRESS))


_CHECKOUT = (
    "id", "domain", "url", "currency", "total", "shipping", "rate", "completed_at",
    "created_at", "items", "customer", "shipping_address", "courier", "tracking_number",
)


@dataclass
class Checkout:
    """The checkout, with the platform's fields; others are in `extra`."""

    id: Union[int, str, None] = None  # e.g. 1262140
    domain: Optional[str] = None
    url: Optional[str] = None
    currency: Optional[str] = None  # e.g. "MYR"
    total: Optional[Number] = None
    shipping: Optional[Number] = None
    rate: Optional[str] = None  # the shipping rate's name
    completed_at: Optional[str] = None  # RFC 3339; None until paid
    created_at: Optional[str] = None
    items: list = field(default_factory=list)  # list[Item]
    customer: Person = field(default_factory=Person)
    shipping_address: Address = field(default_factory=Address)
    courier: Optional[str] = None  # order.shipped
    tracking_number: Optional[str] = None  # order.shipped
    extra: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)

    @staticmethod
    def from_json(value) -> "Checkout":
        d = _dict(value)
        id_ = d.get("id")
        items = d.get("items")
        return Checkout(
            id=id_ if isinstance(id_, (int, str)) and not isinstance(id_, bool) else None,
            domain=_str(d.get("domain")),
            url=_str(d.get("url")),
            currency=_str(d.get("currency")),
            total=_num(d.get("total")),
            shipping=_num(d.get("shipping")),
            rate=_str(d.get("rate")),
            completed_at=_str(d.get("completed_at")),
            created_at=_str(d.get("created_at")),
            items=[Item.from_json(i) for i in items] if isinstance(items, list) else [],
            customer=Person.from_json(d.get("customer")),
            shipping_address=Address.from_json(d.get("shipping_address")),
            courier=_str(d.get("courier")),
            tracking_number=_str(d.get("tracking_number")),
            extra={k: v for k, v in d.items() if k not in _CHECKOUT},
            raw=d,
        )


@dataclass
class Event:
    """The typed event: the envelope and its checkout."""

    id: str
    type: str
    shop: str
    occurred_at: str
    checkout: Checkout
    data: dict  # the whole `data` object as sent


def _loads(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise invalid_event(f"{what} is not JSON") from None


def parse_event(event) -> Event:
    """The typed Event of the WIT `event` transform receives (`id, kind, shop,
    occurred_at, payload`, payload the JSON text of `data`), or of an event in
    the event format (a dict or JSON text, e.g. examples/events/order.paid.json).

    Raises `invalid_event(...)` when there is no checkout object.
    """
    if isinstance(event, (str, bytes)):
        event = _loads(event, "the event")
    if isinstance(event, dict):
        get = event.get
        data = get("data")
        kind = get("type")
    else:
        def get(name, default=None):
            return getattr(event, name, default)

        data = _loads(get("payload"), "the payload") if isinstance(get("payload"), str) else None
        kind = get("kind")
    if not isinstance(data, dict) or not isinstance(data.get("checkout"), dict):
        raise invalid_event("payload has no checkout")
    return Event(
        id=get("id") or "",
        type=kind or "",
        shop=get("shop") or "",
        occurred_at=get("occurred_at") or "",
        checkout=Checkout.from_json(data["checkout"]),
        data=data,
    )
