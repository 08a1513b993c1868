"""A real HTTP server on 127.0.0.1 that answers OpenAI-compatible chat-completions requests
with recorded responses from tests/fixtures/llm/ (a hosted model cannot run here; the client
code under test is the real one, over real HTTP).

Each POST takes the next entry of ``script``: a fixture file name (its JSON is the response
body), or ``"status:500"`` for an HTTP error. Every request body is kept in ``requests``.
``while_answering``, when set, runs before each answer (tests look at the world while the
client waits for the model).
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "llm"


class RecordedModel:
    """The server's state: what to answer next, and what it was asked."""

    def __init__(self) -> None:
        self.script: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.url = ""
        self.while_answering: Callable[[], None] | None = None

    def play(self, *names: str) -> None:
        """Answer the next requests with these fixtures, in order."""
        self.script.extend(names)

    def prompt(self, index: int = -1) -> str:
        """The user message of request ``index``."""
        messages = self.requests[index]["messages"]
        return str(next(m["content"] for m in messages if m["role"] == "user"))


def _handler(state: RecordedModel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            state.requests.append(json.loads(self.rfile.read(length) or b"{}"))
            state.paths.append(self.path)
            state.headers.append(dict(self.headers.items()))
            if state.while_answering is not None:
                state.while_answering()
            entry = state.script.pop(0) if state.script else "status:503"
            if entry.startswith("status:"):
                body, status = b'{"error": {"message": "unavailable"}}', int(entry[7:])
            else:
                body, status = (FIXTURES / entry).read_bytes(), 200
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def private_ca(tmp: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context with a certificate for ``name``, client context trusting its CA)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (tmp / "server.pem").write_bytes(
        cert.public_bytes(pem) + key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp / "server.pem")
    client = ssl.create_default_context(cadata=ca.public_bytes(pem).decode())
    return server, client


@contextmanager
def recorded_model(tls: ssl.SSLContext | None = None,
                   host: str = "127.0.0.1") -> Iterator[RecordedModel]:
    """A running recorded-response server; ``state.url`` is its API base (``.../v1``), over
    HTTPS when a server-side ``tls`` context is given (``host`` names it in the URL)."""
    state = RecordedModel()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls is not None else "http"
    state.url = f"{scheme}://{host}:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def sqlite_writer_probe(sqlite_url: str, outcomes: list[str]) -> Callable[[], None]:
    """A ``while_answering`` hook: another connection takes SQLite's write lock at once (0.5 s
    timeout) and appends "ok", or the error, to ``outcomes`` -- "ok" proves that whoever asked
    the model holds no write transaction open while it answers."""
    import sqlite3

    def probe() -> None:
        other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0.5)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            outcomes.append("ok")
        except sqlite3.OperationalError as exc:
            outcomes.append(str(exc))
        finally:
            other.close()

    return probe
