"""doc_events → the desk, after the commit, through Frappe's background queue.

A transaction's events are collected as they happen; when it commits, they are enqueued as
jobs of up to 1,000 events (and 1 MiB), each of which posts one request; when it rolls back,
they are dropped. The event id is "<doctype>:<name>:<modified>:<event>": the same change always
has the same id, so a job that is retried (or runs twice) is accepted by the desk once."""

from . import sender

# The Frappe layer; tests replace it with a fake (tests/fakes.py).
adapter = None

SEND_JOB = "webhook_desk_client.events.send"


def _frappe():
    global adapter
    if adapter is None:
        from . import frappe_adapter

        adapter = frappe_adapter
    return adapter


def event_id(doctype: str, name: str, modified, event: str) -> str:
    return f"{doctype}:{name}:{modified}:{event}"


def build_event(doc, event: str, payload: dict, user) -> dict:
    return {
        "doctype": doc.doctype,
        "event": event,
        "doc": payload,
        "user": user,
        "id": event_id(doc.doctype, doc.name, doc.modified, event),
    }


def wanted(conf: dict, doctype: str) -> bool:
    if not (conf.get("url") and conf.get("api_key") and conf.get("api_secret")):
        return False
    only = conf.get("doctypes")
    return not only or doctype in only


def on_doc_event(doc, method=None):
    """The doc_events handler (hooks.py): Frappe passes the event's name as `method`."""
    api = _frappe()
    if not method or not wanted(api.site_config(), doc.doctype) or api.skip_now(doc):
        return
    pending = api.transaction_events()
    if not pending:
        api.after_commit(enqueue_committed)
        api.after_rollback(api.take_transaction_events)
    pending.append(build_event(doc, method, api.doc_payload(doc), api.current_user()))


def enqueue_committed():
    """After the commit: the transaction's events as background jobs, one request each."""
    api = _frappe()
    for batch in sender.batches(api.take_transaction_events()):
        api.enqueue(SEND_JOB, events=batch)


def send(events):
    """The background job: raises when the desk cannot be reached, so the job shows as failed."""
    api = _frappe()
    conf = api.site_config()
    try:
        return sender.post_events(conf["url"], conf["api_key"], conf["api_secret"], events, timeout=conf.get("timeout") or 30)
    except Exception as err:
        api.log_error("Webhook Desk: events not sent", f"{err}\n\n{[e['id'] for e in events]}")
        raise
