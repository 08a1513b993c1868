"""A real Dovecot IMAP server for the tests, started with a throwaway configuration.

Listens on a free loopback port, no TLS, any user name with the password ``secret`` (static
passdb), each user's Maildir in a temporary folder. Run as root with ``dovecot -F -c CONFIG``
(mail is stored as the unprivileged ``nobody``). Debian: ``apt-get install dovecot-imapd``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

from imapclient import IMAPClient

from righthand.connectors.ports import MailboxConfig
from tests.support.servers import free_port, port_open

PASSWORD = "secret"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
default_login_user = dovenull
default_internal_user = dovecot
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
protocol imap {{
  mail_max_userip_connections = 200
}}
"""


def available() -> str | None:
    """Why Dovecot cannot run here (None when it can)."""
    if shutil.which("dovecot") is None:
        return "Dovecot is not installed (apt-get install dovecot-imapd)"
    if os.geteuid() != 0:
        return "Dovecot tests start the server as root"
    try:
        pwd.getpwnam("dovenull")
        pwd.getpwnam("dovecot")
    except KeyError:
        return "the dovecot/dovenull system users are missing (reinstall dovecot-core)"
    return None


class Dovecot:
    """One running Dovecot."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="righthand-dovecot-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Dovecot:
        """Write the config and start the server; waits until it accepts connections."""
        nobody = pwd.getpwnam("nobody")
        os.chmod(self.root, 0o755)
        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir()
        for sub in ("mail", "home"):
            os.chown(self.root / sub, nobody.pw_uid, nobody.pw_gid)
        config = self.root / "dovecot.conf"
        config.write_text(CONFIG.format(root=self.root, port=self.port, uid=nobody.pw_uid,
                                        gid=nobody.pw_gid, password=PASSWORD))
        self.process = subprocess.Popen(["dovecot", "-F", "-c", str(config)],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while not port_open("127.0.0.1", self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                out = self.process.stdout.read().decode() if self.process.stdout else ""
                log = (self.root / "dovecot.log").read_text() \
                    if (self.root / "dovecot.log").exists() else ""
                self.stop()
                raise RuntimeError(f"Dovecot did not start: {out}\n{log}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """Stop the server and remove its files."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)

    def new_user(self) -> str:
        """A fresh mailbox (any name logs in)."""
        return f"u{uuid.uuid4().hex[:10]}"

    def config(self, user: str, **extra: object) -> MailboxConfig:
        """Connector configuration for ``user``."""
        return MailboxConfig(kind="imap", host="127.0.0.1", port=self.port, security="none",
                             username=user, password=PASSWORD, timeout=10,
                             **extra)  # type: ignore[arg-type]

    def client(self, user: str) -> IMAPClient:
        """A logged-in imapclient for the test's own use (delivering, inspecting)."""
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(user, PASSWORD)
        return client

    def deliver(self, user: str, *messages: EmailMessage | bytes, folder: str = "INBOX") -> None:
        """APPEND messages (as if they had just arrived)."""
        client = self.client(user)
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for message in messages:
                raw = message if isinstance(message, bytes) else bytes(message)
                client.append(folder, raw)
        finally:
            client.logout()
