import json
import unittest
from types import SimpleNamespace

import plugin


def event(payload: str):
    return SimpleNamespace(
        id="evt_1", kind="order.paid", shop="demo",
        occurred_at="2024-03-08T21:14:05+08:00", payload=payload,
    )


class Plugin(unittest.TestCase):
    def test_posts_a_summary(self):
        logged = []
        payload = '{"checkout":{"id":1262140,"currency":"MYR","total":203.7}}'
        [request] = plugin.transform(event(payload), '{"url":"https://x.example/h"}', logged.append)
        self.assertEqual(request["url"], "https://x.example/h")
        self.assertEqual(json.loads(request["body"]), {"text": "order.paid · order 1262140 · RM 203.70"})
        self.assertEqual(logged, ["summarised order.paid"])
        self.assertEqual(plugin.info()["name"], "__NAME__")

    def test_errors_carry_the_case_and_message(self):
        for config, message in (("[]", "config must be a JSON object"),
                                ("{}", "url: required, a string")):
            with self.assertRaises(Exception) as caught:
                plugin.validate_config(config)
            self.assertEqual((caught.exception.value.tag, caught.exception.value.value),
                             ("invalid-config", message))
        with self.assertRaises(Exception) as caught:
            plugin.transform(event("{}"), '{"url":"https://x.example/h"}')
        self.assertEqual(caught.exception.value.tag, "invalid-event")


if __name__ == "__main__":
    unittest.main()
