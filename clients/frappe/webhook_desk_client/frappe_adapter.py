"""Every call this app makes into Frappe, and nothing else: the rest of the app is plain Python
that the tests run without a bench (they swap this module for a fake, see tests/fakes.py)."""

import frappe

# Frappe's own bookkeeping: a change to these is no business event, and some are written on
# every request (sending them would flood the desk with noise).
SKIPPED_DOCTYPES = frozenset(
    {
        "Access Log",
        "Activity Log",
        "Comment",
        "Communication",
        "Deleted Document",
        "Error Log",
        "Error Snapshot",
        "Scheduled Job Log",
        "Scheduled Job Type",
        "Session Default Settings",
        "Version",
        "View Log",
        "Route History",
        "RQ Job",
        "Integration Request",
    }
)


def site_config() -> dict:
    """webhook_desk_url, webhook_desk_api_key, webhook_desk_api_secret (and the optional
    webhook_desk_doctypes, webhook_desk_timeout) from site_config.json."""
    conf = frappe.conf
    return {
        "url": conf.get("webhook_desk_url"),
        "api_key": conf.get("webhook_desk_api_key"),
        "api_secret": conf.get("webhook_desk_api_secret"),
        "doctypes": conf.get("webhook_desk_doctypes"),
        "timeout": conf.get("webhook_desk_timeout"),
    }


def skip_now(doc) -> bool:
    """True while Frappe installs, migrates, patches or imports fixtures, and for its own logs."""
    flags = frappe.flags
    busy = flags.in_install or flags.in_migrate or flags.in_patch or flags.in_import or flags.in_fixtures
    return bool(busy) or doc.doctype in SKIPPED_DOCTYPES or bool(getattr(doc.meta, "istable", 0))


def doc_payload(doc) -> dict:
    """The document as JSON-ready data (dates as text), as it is at this event."""
    return frappe.parse_json(frappe.as_json(doc.as_dict(no_nulls=False)))


def current_user() -> str:
    return frappe.session.user


def transaction_events() -> list:
    """The events of this transaction so far (kept on frappe.local, so per request or job)."""
    if getattr(frappe.local, "webhook_desk_events", None) is None:
        frappe.local.webhook_desk_events = []
    return frappe.local.webhook_desk_events


def take_transaction_events() -> list:
    events = transaction_events()
    frappe.local.webhook_desk_events = []
    return events


def after_commit(fn) -> None:
    frappe.db.after_commit.add(fn)


def after_rollback(fn) -> None:
    frappe.db.after_rollback.add(fn)


def enqueue(method: str, **kwargs) -> None:
    """A job on Frappe's background queue (called after the commit: see events.py)."""
    frappe.enqueue(method, queue="short", **kwargs)


def log_error(title: str, message: str) -> None:
    frappe.log_error(title=title, message=message)
