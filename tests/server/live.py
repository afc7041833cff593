"""A real uvicorn server on a free loopback port, in a thread of the test process, and a tiny HTTP
client (urllib) to talk to it: the same sockets, routing and serialisation a browser or GDAL uses."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import uvicorn

#: One API token for the whole test session (random, never written in the code): every test server
#: gets an administrator holding it, `call` sends it unless told otherwise, and GDAL's OAPIF client
#: sends it with HTTP Basic as the account name and token (tests/server/conftest.py).
TEST_TOKEN = "lr_" + secrets.token_urlsafe(32)
ADMIN = "test-admin"


def account_token(store: Any, username: str, role: str, org: str | None = None) -> dict[str, str]:
    """A new account with `role` (and organisation code `org`) on `store`, and headers carrying a
    fresh API token of it, for `call(..., headers=...)`."""
    from landrelease.service.accounts import add_account, create_token

    add_account(store, username, role=role, organisation=org, password=secrets.token_urlsafe(18))
    return {"Authorization": f"Bearer {create_token(store, username, 'tests')}"}


def admin_account(store: Any, username: str = ADMIN) -> Any:
    """An administrator account on `store` holding TEST_TOKEN (and a random password); its Principal.
    Idempotent: a record that has it already keeps it."""
    from landrelease.errors import NotFound
    from landrelease.service.accounts import add_account, create_token, get_account

    try:
        return get_account(store, username).principal()
    except NotFound:
        pass
    add_account(store, username, role="admin", password=secrets.token_urlsafe(18))
    create_token(store, username, "tests", token=TEST_TOKEN)
    return get_account(store, username).principal()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, app: Any) -> None:
        import dataclasses

        # every test server has the test administrator, so that `call` (TEST_TOKEN) gets in
        system = dataclasses.replace(app.state.store, principal=None, system=True)
        admin_account(system)
        system.close()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def type(self) -> str:
        return self.headers.get("content-type", "")


def call(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None, *, auth: bool = True) -> Reply:
    """One request; as the test administrator (TEST_TOKEN) unless `auth` is False or `headers`
    carry their own Authorization."""
    data = None if body is None else json.dumps(body).encode()
    h = {"Accept": "application/json", **(headers or {})}
    if auth and not any(k.lower() == "authorization" for k in h):
        h["Authorization"] = f"Bearer {TEST_TOKEN}"
    if data is not None:
        h["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return Reply(r.status, combined(r.headers.items()), r.read())
    except urllib.error.HTTPError as e:
        return Reply(e.code, combined(e.headers.items()), e.read())


def combined(items: Any) -> dict[str, str]:
    """Response headers by lower-case name; a repeated header joined with ", " (RFC 9110 §5.3), so
    that two `WWW-Authenticate` challenges both show."""
    out: dict[str, str] = {}
    for k, v in items:
        out[k.lower()] = f"{out[k.lower()]}, {v}" if k.lower() in out else v
    return out


class ServeProcess:
    """`landrelease serve` in its own process: what an operator runs, and what GDAL must talk to
    (pyogrio keeps the GIL while GDAL reads, so a server thread in the test process would stall)."""

    def __init__(self, db: str, *args: str, env: dict[str, str] | None = None) -> None:
        from landrelease.errors import StoreError
        from landrelease.service.store import open_store

        try:  # every test server has the test administrator, so that `call` (TEST_TOKEN) gets in
            store = open_store(db)
        except StoreError:
            pass  # not initialised: the test is about that
        else:
            admin_account(store)
            store.close()
        self.env = None if env is None else {**os.environ, **env}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cmd = [
            sys.executable, "-m", "landrelease", "--db", db, "serve", "--port", str(self.port), *args
        ]  # fmt: skip

    def __enter__(self) -> ServeProcess:
        # stderr to a file, not a pipe: a server logging errors would block on a full pipe nobody reads
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=self.log, env=self.env)
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.proc.kill()
                    self.proc.wait()
                    message = self.stderr()
                    self.__exit__()
                    raise RuntimeError(f"server did not start: {message}") from None
                time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def stderr(self) -> str:
        """What the server wrote on stderr so far (its error log)."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")
