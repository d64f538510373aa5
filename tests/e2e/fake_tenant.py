"""A stand-in for an Auth0 tenant's /oauth/token on 127.0.0.1, over http or https (with its
own CA, made by openssl), with every failure the Test connection command must explain."""

import base64
import json
import shutil
import ssl
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def jwt(claims: dict) -> str:
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return f"{enc({'alg': 'none'})}.{enc(claims)}."


class Tenant:
    def __init__(self, tls_dir: Path | None = None):
        self.mode = "ok"
        self.scope = "read:users update:users"
        self.requests: list[dict] = []
        self.stall_seconds = 30.0
        tenant = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(length).decode()
                form = dict(urllib.parse.parse_qsl(raw))
                tenant.requests.append({"path": self.path, "form": form})
                tenant.respond(self, form, raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.ca = None
        if tls_dir is not None:
            self.ca = make_certs(tls_dir)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls_dir / "server.pem", tls_dir / "server.key")
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.domain = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def send(self, h, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("content-type", "application/json")
        h.send_header("content-length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def respond(self, h, form, raw=""):
        m = self.mode
        secret = form.get("client_secret", "")
        client_id = form.get("client_id", "")
        if m == "ok":
            self.send(h, 200, {"access_token": jwt({"scope": self.scope}), "token_type": "Bearer", "expires_in": 86400, "scope": self.scope})
        elif m == "echo_scope":
            # a tenant that echoes the posted form into `scope` and the token
            scope = f"read:users {secret} update:users {form.get('client_id', '')}"
            self.send(h, 200, {"access_token": jwt({"scope": scope}), "token_type": "Bearer", "expires_in": 60, "scope": scope})
        elif m in ("echo_encoded", "echo_encoded_scope"):
            # a tenant that echoes what was posted in every encoding it could come back in
            b64 = lambda v: base64.b64encode(v.encode()).decode()
            echoes = [raw, urllib.parse.quote(secret), urllib.parse.quote(secret).lower(), urllib.parse.quote_plus(secret),
                      urllib.parse.quote(secret, safe=""), b64(secret), b64("x" + secret), b64("xy" + secret),
                      base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="), b64(f"{client_id}:{secret}"),
                      urllib.parse.quote(client_id), b64(client_id)]
            if m == "echo_encoded":
                self.send(h, 401, {"error": "invalid_client", "error_description": "posted: " + " | ".join(echoes)})
            else:
                scope = " ".join(["read:users", *echoes, "update:users"])
                self.send(h, 200, {"access_token": jwt({"scope": scope}), "token_type": "Bearer", "expires_in": 60, "scope": scope})
        elif m == "hostile_text":
            # terminal escapes, a GitHub workflow command and a right-to-left override
            self.send(h, 401, {"error": "invalid_client\u001b[2J\u0007",
                               "error_description": "bad\r\u001b]0;pwned\u0007\u009b31m\n::error file=x::pwned \u202eevil"})
        elif m == "ok_claims_only":
            self.send(h, 200, {"access_token": jwt({"permissions": self.scope.split()}), "token_type": "Bearer", "expires_in": 3600})
        elif m == "invalid_client":
            # a careless tenant that echoes the secret: it must never reach the user
            self.send(h, 401, {"error": "invalid_client", "error_description": f"Client authentication failed for secret {secret}"})
        elif m == "unauthorized_client":
            self.send(h, 403, {"error": "unauthorized_client", "error_description": "Grant type 'client_credentials' not allowed for the client."})
        elif m == "no_grant":
            self.send(h, 403, {"error": "access_denied", "error_description": f'Client is not authorized to access "{form.get("audience")}". You need to create a "client-grant" associated to this API.'})
        elif m == "service_not_enabled":
            self.send(h, 403, {"error": "access_denied", "error_description": f"Service not enabled within domain: {form.get('audience')}"})
        elif m == "rate_limited":
            self.send(h, 429, {"error": "too_many_requests", "error_description": "Global limit has been reached"}, {"retry-after": "30"})
        elif m == "server_error":
            self.send(h, 503, b"<html>Service Unavailable</html>")
        elif m == "garbage":
            self.send(h, 200, b"<html>this is not a token</html>")
        elif m == "huge":
            self.send(h, 200, b"{" + b" " * (2 * 1024 * 1024) + b"}")
        elif m == "redirect":
            h.send_response(302)
            h.send_header("location", "https://evil.example/oauth/token")
            h.send_header("content-length", "0")
            h.end_headers()
        elif m == "stall":
            time.sleep(self.stall_seconds)
            self.send(h, 200, {"access_token": "x", "token_type": "Bearer"})
        else:
            raise ValueError(m)


def make_certs(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    openssl = shutil.which("openssl")
    run = lambda *a: subprocess.run([openssl, *a], check=True, capture_output=True, cwd=d)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=flowls test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:tenant.test.auth0.com\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    return d / "ca.pem"
