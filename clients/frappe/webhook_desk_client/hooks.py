app_name = "webhook_desk_client"
app_title = "Webhook Desk Client"
app_publisher = "Webhook Desk"
app_description = "Sends this site's document events to a Webhook Desk"
app_license = "MIT"

# Every DocType's document events, as Frappe's own webhooks see them. `on_change` is left out:
# the desk fires its on_change webhooks for every event but after_insert by itself.
_HANDLER = "webhook_desk_client.events.on_doc_event"
doc_events = {
    "*": {
        event: _HANDLER
        for event in ("after_insert", "on_update", "on_submit", "on_cancel", "on_trash", "on_update_after_submit")
    }
}
