"""POST /api/events of a Webhook Desk, with the standard library only (urllib).

Retries what can be retried (a network error, 429, 5xx; the desk's 503 says Retry-After) with
exponential backoff; a 4xx is raised at once. Retrying is safe: the desk accepts an event `id`
once, and every event this app sends has one."""

import json
import random
import time
import urllib.error
import urllib.request

MAX_BATCH = 1000
MAX_BATCH_BYTES = 1024 * 1024


class DeskError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def _retryable(status: int) -> bool:
    return status in (408, 429) or status >= 500


def _size(event) -> int:
    return len(json.dumps(event, default=str).encode())


def batches(events, max_events=MAX_BATCH, max_bytes=MAX_BATCH_BYTES):
    """`events` cut into requests of at most `max_events` and `max_bytes` (as a JSON array).
    An event that alone is larger than a request may be raises ValueError."""
    out, batch, size = [], [], 2
    for event in events:
        n = _size(event)
        if n + 2 > max_bytes:
            raise ValueError(f"event {event.get('id')} is {n} bytes as JSON; a request takes at most {max_bytes}")
        if batch and (len(batch) >= max_events or size + n + 1 > max_bytes):
            out.append(batch)
            batch, size = [], 2
        batch.append(event)
        size += n + 1
    if batch:
        out.append(batch)
    return out


def post_events(url, api_key, api_secret, events, *, timeout=30, attempts=6, base_delay=0.5, max_delay=30.0, sleep=time.sleep):
    """Sends `events` (each with an `id`) in batches within the desk's limits; returns the desk's answers per event."""
    accepted = []
    for batch in batches(events):
        answer = _post(url.rstrip("/") + "/api/events", f"token {api_key}:{api_secret}", batch, timeout, attempts, base_delay, max_delay, sleep)
        accepted.extend(answer["events"])
    return accepted


def _post(endpoint, auth, batch, timeout, attempts, base_delay, max_delay, sleep):
    body = json.dumps(batch, default=str).encode()
    for attempt in range(1, attempts + 1):
        req = urllib.request.Request(
            endpoint, data=body, method="POST", headers={"Authorization": auth, "Content-Type": "application/json", "Accept": "application/json"}
        )
        wait = min(max_delay, base_delay * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                return json.loads(res.read())
        except urllib.error.HTTPError as err:
            error = _desk_error(err)
            if not _retryable(err.code) or attempt == attempts:
                raise error from None
            retry_after = err.headers.get("Retry-After")
            if retry_after and retry_after.isdigit():
                wait = max(wait, float(retry_after))
        except (urllib.error.URLError, OSError):
            if attempt == attempts:
                raise
        sleep(wait)
    raise AssertionError("unreachable")


def _desk_error(err):
    text = err.read().decode(errors="replace")
    try:
        error = json.loads(text)["error"]
        return DeskError(err.code, error["code"], error["message"])
    except (ValueError, KeyError, TypeError):
        return DeskError(err.code, f"HTTP_{err.code}", text[:200])
