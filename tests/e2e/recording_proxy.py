"""An HTTP(S) proxy on 127.0.0.1 that records every host a client asks it to reach. By
default it reaches none of them (it answers 502): with HTTPS_PROXY pointing here, "nothing
was sent" is observed, not assumed — a CONNECT, or a plain request, shows up in `hosts`.
With `forward_to=(host, port)` it tunnels every CONNECT to that local address instead, so a
local fake tenant can stand in for a real tenant host name such as `x.us.auth0.com`."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RecordingProxy:
    def __init__(self, forward_to: tuple[str, int] | None = None):
        self.hosts: list[str] = []
        self.forward_to = forward_to
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _refuse(self):
                self.send_response(502)
                self.send_header("content-length", "0")
                self.end_headers()

            def do_CONNECT(self):
                proxy.hosts.append(self.path)
                if proxy.forward_to is None:
                    return self._refuse()
                upstream = socket.create_connection(proxy.forward_to, timeout=10)
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                pipe(self.connection, upstream)

            def _plain(self):
                proxy.hosts.append(self.headers.get("host", self.path))
                self._refuse()

            do_GET = do_POST = _plain

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def pipe(a: socket.socket, b: socket.socket):
    """Copies bytes both ways until either side closes."""

    def one_way(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    t = threading.Thread(target=one_way, args=(b, a), daemon=True)
    t.start()
    one_way(a, b)
    t.join(timeout=10)
