"""A real Webhook Desk for these tests (clients/test-support/desk-server.mjs: the repository's
production build on a fresh SQLite database), and a loopback receiver that records what the
desk delivers. Standard library only."""

import json
import os
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HARNESS = os.path.join(ROOT, "clients", "test-support", "desk-server.mjs")


class Desk:
    def __init__(self):
        self.proc = subprocess.Popen(["node", HARNESS], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the desk did not start (exit {self.proc.wait()}); is there a build? run `npm run build`")
        info = json.loads(line)
        self.url, self.api_key, self.api_secret = info["url"], info["apiKey"], info["apiSecret"]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def api(self, method, path, body=None):
        req = urllib.request.Request(
            self.url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.api_key}:{self.api_secret}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as res:
            return json.loads(res.read())

    def logs_for(self, webhook, document):
        q = urllib.parse.urlencode({"webhook": webhook, "reference_document": document, "with_count": "1"})
        return self.api("GET", "/api/resource/Webhook%20Request%20Log?" + q)


class Receiver:
    """Records each request's JSON body and webhook-id."""

    def __init__(self):
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append({"body": json.loads(body), "webhook_id": self.headers.get("webhook-id")})
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def named(self, name):
        return [r for r in self.requests if r["body"].get("name") == name]

    def wait_for(self, name, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if self.named(name):
                return self.named(name)
            time.sleep(0.1)
        raise AssertionError(f"{name} was not delivered within {timeout} s")

    def stop(self):
        self.server.shutdown()
