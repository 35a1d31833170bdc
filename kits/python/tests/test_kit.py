import json
import unittest
from pathlib import Path
from types import SimpleNamespace

from kait_plugin import (
    EVENT_TYPES,
    date,
    failed,
    invalid_config,
    invalid_event,
    money,
    parse_event,
)

SAMPLES = Path(__file__).resolve().parents[3] / "examples" / "events"


def sample(kind: str) -> str:
    return (SAMPLES / f"{kind}.json").read_text()


class Money(unittest.TestCase):
    def test_rounds_half_up_and_groups_thousands(self):
        cases = [
            (10, "RM 10.00"), (0, "RM 0.00"), ("1234567.891", "RM 1,234,567.89"),
            ("999.995", "RM 1,000.00"), ("1.005", "RM 1.01"), (-5.5, "-RM 5.50"),
            ("-0.001", "RM 0.00"), ("007.1", "RM 7.10"), (123456, "RM 123,456.00"),
            (1234.5, "RM 1,234.50"), ("7.255", "RM 7.26"), (10.05, "RM 10.05"),
            (1e20, "RM 100,000,000,000,000,000,000.00"),
        ]
        for value, expected in cases:
            self.assertEqual(money(value), expected, value)

    def test_currency_and_odd_values(self):
        self.assertEqual(money(1234.5, "USD"), "USD 1,234.50")
        self.assertEqual(money(3, "myr"), "RM 3.00")
        self.assertEqual(money("free"), "free")
        self.assertEqual(money(None), "")


class Date(unittest.TestCase):
    def test_formats_in_the_values_own_offset(self):
        self.assertEqual(date("2021-03-03T22:58:32+08:00"), "03/03/2021 22:58")
        self.assertEqual(
            date("2021-03-03T22:58:32+08:00", "%Y-%m-%d %H:%M:%S %z"), "2021-03-03 22:58:32 +0800"
        )
        self.assertEqual(
            date("2024-03-08T21:13:48+08:00", "%a %d %b %Y, %I:%M %p"), "Fri 08 Mar 2024, 09:13 PM"
        )
        self.assertEqual(date("2024-01-01T00:00:00Z", "%F %T %Z %j"), "2024-01-01 00:00:00 UTC 001")
        self.assertEqual(date("yesterday"), "yesterday")
        self.assertEqual(date(None), "")

    def test_an_invalid_format_is_a_failed_error(self):
        with self.assertRaises(Exception) as caught:
            date("2021-03-03T22:58:32+08:00", "%Q")
        self.assertEqual(caught.exception.value.tag, "failed")
        self.assertIn("invalid format", caught.exception.value.value)


class Errors(unittest.TestCase):
    def test_cases_carry_tag_and_message(self):
        for make, tag in ((invalid_config, "invalid-config"), (invalid_event, "invalid-event"),
                          (failed, "failed")):
            err = make("why")
            self.assertIsInstance(err, Exception)
            self.assertEqual((err.value.tag, err.value.value), (tag, "why"))


class ParseEvent(unittest.TestCase):
    def test_every_sample_as_the_wit_event_and_as_json(self):
        for kind in EVENT_TYPES:
            envelope = json.loads(sample(kind))
            wit = SimpleNamespace(
                id=envelope["id"], kind=envelope["type"], shop=envelope["shop"],
                occurred_at=envelope["occurred_at"], payload=json.dumps(envelope["data"]),
            )
            parsed = parse_event(wit)
            self.assertEqual(parsed.type, kind)
            self.assertEqual(parsed, parse_event(sample(kind)))

    def test_order_paid_fields(self):
        paid = parse_event(sample("order.paid"))
        self.assertEqual(paid.checkout.id, 1262140)
        self.assertEqual(money(paid.checkout.total, paid.checkout.currency), "RM 203.70")
        self.assertEqual(paid.checkout.items[0].product.name, "Tudung Bawal Cotton Voile Mirfaith")
        self.assertEqual(paid.checkout.items[0].quantity, 2)
        self.assertEqual(paid.checkout.customer.first_name, "Abu")
        self.assertEqual(paid.checkout.shipping_address.city, "Cyberjaya")
        shipped = parse_event(sample("order.shipped"))
        self.assertTrue(shipped.checkout.tracking_number)

    def test_no_checkout_is_an_invalid_event(self):
        with self.assertRaises(Exception) as caught:
            parse_event(SimpleNamespace(id="e", kind="order.paid", shop="s", occurred_at="",
                                        payload="{}"))
        self.assertEqual(caught.exception.value.tag, "invalid-event")
        with self.assertRaises(Exception) as caught:
            parse_event("nope")
        self.assertEqual(caught.exception.value.value, "the event is not JSON")


if __name__ == "__main__":
    unittest.main()
