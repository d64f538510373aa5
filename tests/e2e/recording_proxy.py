"""An HTTP(S) proxy on 127.0.0.1 that records every host a client asks it to reach and
reaches none of them (it answers 502): with HTTPS_PROXY pointing here, "nothing was sent"
is observed, not assumed — a CONNECT, or a plain request, shows up in `hosts`."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RecordingProxy:
    def __init__(self):
        self.hosts: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _record(self):
                proxy.hosts.append(self.path if self.command == "CONNECT" else self.headers.get("host", self.path))
                self.send_response(502)
                self.send_header("content-length", "0")
                self.end_headers()

            do_CONNECT = do_GET = do_POST = _record

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
