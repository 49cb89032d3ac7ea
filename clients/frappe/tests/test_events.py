"""doc_events → after-commit job → the desk → a receiver, with Frappe replaced by tests/fakes.py
and the desk real. What Frappe itself does (hooks, enqueue_after_commit, the RQ worker) is not
run here: see the README."""

import importlib
import unittest

from tests.desk import Desk, Receiver
from tests.fakes import FakeDoc, FakeFrappe
from webhook_desk_client import events, sender

DOCTYPE = "Frappe Note"
WEBHOOK = "frappe-notes"


class EventsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.desk = Desk()
        cls.receiver = Receiver()
        # The desk learns a DocType from its first event; then a webhook on it to the receiver.
        warm_up = {"doctype": DOCTYPE, "event": "after_insert", "doc": {"name": "WARM-UP"}, "id": "warm-up"}
        sender.post_events(cls.desk.url, cls.desk.api_key, cls.desk.api_secret, [warm_up])
        cls.desk.api(
            "POST",
            "/api/resource/Webhook",
            {
                "name": WEBHOOK,
                "webhook_doctype": DOCTYPE,
                "webhook_docevent": "on_update",
                "request_url": cls.receiver.url,
                "request_structure": "",
                "webhook_data": [{"fieldname": "name", "key": "name"}, {"fieldname": "status", "key": "status"}],
            },
        )

    @classmethod
    def tearDownClass(cls):
        events.adapter = None
        cls.receiver.stop()
        cls.desk.stop()

    def setUp(self):
        self.frappe = FakeFrappe(
            {"url": self.desk.url, "api_key": self.desk.api_key, "api_secret": self.desk.api_secret, "doctypes": None, "timeout": 10}
        )
        events.adapter = self.frappe

    def test_an_event_is_sent_after_commit_with_its_frappe_id_and_once_however_often_the_job_runs(self):
        doc = FakeDoc(DOCTYPE, "NOTE-1", "2026-03-10 12:00:00.123456", status="Open")
        events.on_doc_event(doc, "on_update")
        self.assertEqual(self.frappe.jobs, [], "nothing is queued before the commit")
        self.frappe.commit()
        [(method, kwargs)] = self.frappe.jobs
        self.assertEqual(method, events.SEND_JOB)
        [event] = kwargs["events"]
        self.assertEqual(event["id"], f"{DOCTYPE}:NOTE-1:2026-03-10 12:00:00.123456:on_update")
        self.assertEqual(event["doc"], {"doctype": DOCTYPE, "name": "NOTE-1", "modified": "2026-03-10 12:00:00.123456", "status": "Open"})
        self.assertEqual((event["doctype"], event["event"], event["user"]), (DOCTYPE, "on_update", "Administrator"))

        [[accepted]] = self.frappe.run_jobs()
        self.assertEqual(len(accepted["deliveries"]), 1)
        [got] = self.receiver.wait_for("NOTE-1")
        self.assertEqual(got["body"], {"name": "NOTE-1", "status": "Open"})

        # The worker runs the same job again (a retry after a lost answer): accepted once.
        [again] = FakeFrappe.run(method, kwargs)
        self.assertTrue(again.get("duplicate"))
        self.assertEqual(again["id"], accepted["id"])
        self.assertEqual(self.desk.logs_for(WEBHOOK, "NOTE-1")["count"]["count"], 1)
        self.assertEqual(len(self.receiver.named("NOTE-1")), 1)

    def test_a_transactions_events_go_in_one_job_and_one_request(self):
        for i in range(3):
            events.on_doc_event(FakeDoc(DOCTYPE, f"NOTE-B{i}", "2026-03-10 12:00:00", status="Open"), "on_update")
        self.frappe.commit()
        self.assertEqual([len(kw["events"]) for _, kw in self.frappe.jobs], [3])
        [accepted] = self.frappe.run_jobs()
        self.assertEqual(len(accepted), 3)
        for i in range(3):
            self.receiver.wait_for(f"NOTE-B{i}")

    def test_a_big_transaction_is_split_within_the_desks_limits(self):
        for i in range(1001):
            events.on_doc_event(FakeDoc(DOCTYPE, f"BIG-{i}", "x"), "after_insert")
        self.frappe.commit()
        self.assertEqual([len(kw["events"]) for _, kw in self.frappe.jobs], [1000, 1])
        self.frappe.jobs = []
        big = {"id": "big", "doc": {"name": "x", "text": "y" * (600 * 1024)}}
        self.assertEqual([len(b) for b in sender.batches([big, big, {"id": "small"}])], [1, 2])
        with self.assertRaises(ValueError):
            sender.batches([{"id": "huge", "text": "y" * (1024 * 1024)}])

    def test_a_rolled_back_transaction_sends_nothing_and_the_next_one_starts_afresh(self):
        events.on_doc_event(FakeDoc(DOCTYPE, "NOTE-ROLLED-BACK", "2026-03-10 12:00:01"), "on_update")
        self.frappe.rollback()
        self.frappe.commit()
        self.assertEqual(self.frappe.jobs, [])
        events.on_doc_event(FakeDoc(DOCTYPE, "NOTE-AFTER", "2026-03-10 12:00:02"), "on_update")
        self.frappe.commit()
        self.assertEqual([[e["doc"]["name"] for e in kw["events"]] for _, kw in self.frappe.jobs], [["NOTE-AFTER"]])
        self.frappe.run_jobs()
        self.assertEqual(self.desk.logs_for(WEBHOOK, "NOTE-ROLLED-BACK")["count"]["count"], 0)

    def test_each_save_is_its_own_event(self):
        for modified, status in (("2026-03-10 12:00:00", "Open"), ("2026-03-10 12:05:00", "Closed")):
            events.on_doc_event(FakeDoc(DOCTYPE, "NOTE-2", modified, status=status), "on_update")
            self.frappe.commit()
            self.frappe.run_jobs()
        self.assertEqual(self.desk.logs_for(WEBHOOK, "NOTE-2")["count"]["count"], 2)

    def test_nothing_is_queued_without_the_site_config_or_while_frappe_installs(self):
        self.frappe.conf["url"] = None
        events.on_doc_event(FakeDoc(DOCTYPE, "NOTE-3", "x"), "on_update")
        self.frappe.conf["url"] = self.desk.url
        self.frappe.conf["doctypes"] = ["Sales Order"]
        events.on_doc_event(FakeDoc(DOCTYPE, "NOTE-3", "x"), "on_update")
        self.frappe.conf["doctypes"] = None
        self.frappe.busy = True
        events.on_doc_event(FakeDoc(DOCTYPE, "NOTE-3", "x"), "on_update")
        self.frappe.commit()
        self.assertEqual(self.frappe.jobs, [])

    def test_a_job_that_cannot_reach_the_desk_fails_and_is_logged(self):
        self.frappe.conf["url"] = "http://127.0.0.1:9"
        events.on_doc_event(FakeDoc(DOCTYPE, "NOTE-4", "x"), "on_update")
        self.frappe.commit()
        original = sender.post_events
        sender.post_events = lambda *a, **kw: original(*a, **{**kw, "attempts": 1})
        try:
            with self.assertRaises(OSError):
                self.frappe.run_jobs()
        finally:
            sender.post_events = original
        self.assertEqual(self.frappe.errors[0][0], "Webhook Desk: events not sent")
        self.assertIn(f"{DOCTYPE}:NOTE-4:x:on_update", self.frappe.errors[0][1])


class HooksTest(unittest.TestCase):
    def test_every_document_event_but_on_change_goes_to_the_handler(self):
        hooks = importlib.import_module("webhook_desk_client.hooks")
        handlers = hooks.doc_events["*"]
        self.assertEqual(set(handlers), {"after_insert", "on_update", "on_submit", "on_cancel", "on_trash", "on_update_after_submit"})
        for path in handlers.values():
            module, _, fn = path.rpartition(".")
            self.assertTrue(callable(getattr(importlib.import_module(module), fn)))


if __name__ == "__main__":
    unittest.main()
