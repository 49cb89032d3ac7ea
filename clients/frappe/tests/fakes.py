"""Stand-ins for the one Frappe module (webhook_desk_client/frappe_adapter.py): a site config, a
transaction with its after-commit and after-rollback callbacks, and a background queue whose
jobs a test runs as Frappe's worker would."""

import importlib


class FakeDoc:
    def __init__(self, doctype, name, modified, **fields):
        self.doctype, self.name, self.modified = doctype, name, modified
        self.fields = fields
        self.meta = type("Meta", (), {"istable": 0})()

    def as_dict(self):
        return {"doctype": self.doctype, "name": self.name, "modified": str(self.modified), **self.fields}


class FakeFrappe:
    def __init__(self, conf):
        self.conf = conf
        self.busy = False
        self.errors = []
        self.jobs = []
        self._events = []
        self._after_commit = []
        self._after_rollback = []

    # the adapter's interface
    def site_config(self):
        return dict(self.conf)

    def skip_now(self, doc):
        return self.busy

    def doc_payload(self, doc):
        return doc.as_dict()

    def current_user(self):
        return "Administrator"

    def transaction_events(self):
        return self._events

    def take_transaction_events(self):
        events, self._events = self._events, []
        return events

    def after_commit(self, fn):
        self._after_commit.append(fn)

    def after_rollback(self, fn):
        self._after_rollback.append(fn)

    def enqueue(self, method, **kwargs):
        self.jobs.append((method, kwargs))

    def log_error(self, title, message):
        self.errors.append((title, message))

    # the test's side: the database and the worker
    def commit(self):
        callbacks, self._after_commit, self._after_rollback = self._after_commit, [], []
        for fn in callbacks:
            fn()

    def rollback(self):
        callbacks, self._after_commit, self._after_rollback = self._after_rollback, [], []
        for fn in callbacks:
            fn()

    def run_jobs(self):
        """Runs the queued jobs as Frappe's worker would; returns their results."""
        jobs, self.jobs = self.jobs, []
        return [self.run(method, kwargs) for method, kwargs in jobs]

    @staticmethod
    def run(method, kwargs):
        module, _, fn = method.rpartition(".")
        return getattr(importlib.import_module(module), fn)(**kwargs)
