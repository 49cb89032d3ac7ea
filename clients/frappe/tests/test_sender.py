"""sender.post_events against a real desk: batches, the desk's dedupe by id, which errors are retried."""

import unittest
import urllib.error

from tests.desk import Desk
from webhook_desk_client import sender


class SenderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.desk = Desk()

    @classmethod
    def tearDownClass(cls):
        cls.desk.stop()

    def post(self, events, **kw):
        return sender.post_events(self.desk.url, self.desk.api_key, self.desk.api_secret, events, **kw)

    def event(self, name, event="on_update"):
        return {"doctype": "Sender Note", "event": event, "doc": {"name": name}, "id": f"Sender Note:{name}:2026-03-10 12:00:00:{event}"}

    def test_a_batch_is_accepted_and_a_repeated_id_only_once(self):
        batch = [self.event(f"S-{i}") for i in range(3)]
        first = self.post(batch)
        self.assertEqual(len(first), 3)
        self.assertTrue(all(not e.get("duplicate") for e in first))
        again = self.post(batch)
        self.assertEqual([e["id"] for e in again], [e["id"] for e in first])
        self.assertTrue(all(e.get("duplicate") for e in again))

    def test_a_refused_event_is_raised_at_once(self):
        sleeps = []
        with self.assertRaises(sender.DeskError) as cm:
            self.post([{**self.event("S-bad"), "event": "on_fly"}], sleep=sleeps.append)
        self.assertEqual((cm.exception.status, cm.exception.code), (400, "BAD_REQUEST"))
        self.assertIn("event", cm.exception.message)
        self.assertEqual(sleeps, [])

    def test_a_wrong_key_is_401_and_not_retried(self):
        sleeps = []
        with self.assertRaises(sender.DeskError) as cm:
            sender.post_events(self.desk.url, self.desk.api_key, "not-the-secret", [self.event("S-key")], sleep=sleeps.append)
        self.assertEqual(cm.exception.status, 401)
        self.assertEqual(sleeps, [])

    def test_an_unreachable_desk_is_retried_then_raised(self):
        sleeps = []
        with self.assertRaises(urllib.error.URLError):
            sender.post_events("http://127.0.0.1:9", "k", "s", [self.event("S-down")], attempts=3, sleep=sleeps.append)
        self.assertEqual(len(sleeps), 2)


if __name__ == "__main__":
    unittest.main()
