#!/usr/bin/python3
"""Local alert sinks for the integration tests (tests/integration/alert_sinks.h).

alert_sinks.py DIR HTTP_PORT SMTP_PORT [HTTP_STATUS]

An HTTP server on 127.0.0.1:HTTP_PORT that appends each POST body as one
line to DIR/webhook.log and answers HTTP_STATUS (default 200), and an SMTP
server (aiosmtpd) on 127.0.0.1:SMTP_PORT that writes each message to
DIR/mail.N. Prints "ready" once both listen; runs until killed.
"""
import http.server
import os
import sys
import threading
import time

from aiosmtpd.controller import Controller

out_dir, http_port, smtp_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
status = int(sys.argv[4]) if len(sys.argv) > 4 else 200
lock = threading.Lock()


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock, open(os.path.join(out_dir, "webhook.log"), "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Mail:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        with lock:
            Mail.count += 1
            path = os.path.join(out_dir, "mail.%d" % Mail.count)
        with open(path + ".tmp", "wb") as f:
            f.write(("X-Envelope-To: %s\n" % ",".join(envelope.rcpt_tos)).encode())
            f.write(envelope.content)
        os.rename(path + ".tmp", path)
        return "250 OK"


smtp = Controller(Mail(), hostname="127.0.0.1", port=smtp_port)
smtp.start()
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", http_port), Hook)
threading.Thread(target=httpd.serve_forever, daemon=True).start()
print("ready", flush=True)
while True:
    time.sleep(3600)
