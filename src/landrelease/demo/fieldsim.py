"""Synthetic field clients: many phones submitting over OpenRosa at once, badly connected.

Used by the intake load benchmark (`benchmarks/bench_intake.py`) and, smaller, by the test suite, to
check the queue's promise under load: afterwards exactly the unique submissions are stored — none
lost, none twice. Each client behaves like ODK Collect on a poor network:
- it posts each of its forms as multipart ``xml_submission_file`` (plus a photo for some) and only
  counts it as sent on a 201 or 202 answer; on any failure it posts the same bytes again;
- a share of posts (``disconnect_rate``) is cut: half abort mid-request (the body is not complete
  when the socket closes: the server must store nothing), half send everything and hang up as the
  answer starts to arrive, without reading it (the server has stored the form: the resend must be
  answered 202, not stored again);
- a share of forms (``replay_rate``) is sent again later after a 201/202 (a user pressing "send"
  twice, a phone restored from backup): the answer must be 202.

The payloads are real submissions of the progress-report form (`landrelease.formats.answers.submission_xml`),
marked synthetic in their instanceName. No network beyond the given base URL.
"""

from __future__ import annotations

import base64
import http.client
import random
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

FORM_ID = "lr_progress"


@dataclass(frozen=True)
class Form:
    instance_id: str
    xml: bytes
    files: dict[str, bytes]


@dataclass
class Report:
    clients: int
    per_client: int
    sent: dict[str, Form] = field(default_factory=dict)  # instanceID → form, every unique form
    status: dict[int, int] = field(default_factory=dict)  # HTTP status → count (completed requests)
    latencies: list[float] = field(default_factory=list)  # seconds, completed requests
    aborted: int = 0  # posts cut mid-request
    dropped: int = 0  # posts whose answer was never read
    replays: int = 0
    errors: list[str] = field(default_factory=list)  # unexpected answers
    elapsed: float = 0.0

    @property
    def requests(self) -> int:
        return sum(self.status.values())

    def p(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))]


def make_form(client: int, i: int, run: str, activity: str, with_photo: bool) -> Form:
    from landrelease.formats.answers import submission_xml

    instance_id = f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{run}/{client}/{i}')}"
    values = {
        "report/activity": activity,
        "report/date": "2026-11-20",
        "report/worked_m2": str(50 + (client * 7919 + i * 104729) % 950),
        "report/deminers": str(4 + i % 8),
        "meta/instanceID": instance_id,
        "meta/instanceName": f"SYNTHETIC load client {client} form {i}",
    }
    files = (
        {f"photo-{i}.jpg": b"\xff\xd8\xff\xe0SYNTHETIC" + bytes(random.Random(i).randbytes(2048))} if with_photo else {}
    )
    return Form(instance_id, submission_xml(FORM_ID, values), files)


def multipart(form: Form) -> tuple[bytes, str]:
    boundary = f"----lrfield{uuid.uuid4().hex}"
    parts = [
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="xml_submission_file"; filename="submission.xml"\r\n'
            "Content-Type: text/xml\r\n\r\n"
        ).encode()
        + form.xml
        + b"\r\n"
    ]
    for name, data in form.files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
                "Content-Type: image/jpeg\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client:
    def __init__(self, base: str, path: str, auth: str, report: Report, lock: threading.Lock, seed: int) -> None:
        u = urlsplit(base)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.path = path
        self.auth = auth
        self.report = report
        self.lock = lock
        self.rng = random.Random(seed)
        self.conn: http.client.HTTPConnection | None = None

    def _headers(self, ctype: str, length: int) -> dict[str, str]:
        return {
            "Content-Type": ctype,
            "Content-Length": str(length),
            "X-OpenRosa-Version": "1.0",
            "Authorization": self.auth,
            "User-Agent": "landrelease-fieldsim (ODK Collect-like)",
        }

    def _raw_request(self, body: bytes, ctype: str) -> bytes:
        head = f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nConnection: close\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in self._headers(ctype, len(body)).items())
        return head.encode() + b"\r\n"

    def abort_mid_request(self, form: Form) -> None:
        body, ctype = multipart(form)
        with socket.create_connection((self.host, self.port), timeout=30) as s:
            s.sendall(self._raw_request(body, ctype) + body[: self.rng.randint(0, len(body) - 1)])
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST on close
        with self.lock:
            self.report.aborted += 1

    def drop_response(self, form: Form) -> None:
        body, ctype = multipart(form)
        with socket.create_connection((self.host, self.port), timeout=60) as s:
            s.sendall(self._raw_request(body, ctype) + body)
            s.recv(1)  # the server has answered (so it has stored the form) — hang up without reading it
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self.lock:
            self.report.dropped += 1

    def post(self, form: Form) -> int:
        """POST until the server answers (a broken connection is retried); returns the status."""
        body, ctype = multipart(form)
        for attempt in range(20):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                t0 = time.perf_counter()
                self.conn.request("POST", self.path, body=body, headers=self._headers(ctype, len(body)))
                r = self.conn.getresponse()
                r.read()
                dt = time.perf_counter() - t0
                with self.lock:
                    self.report.status[r.status] = self.report.status.get(r.status, 0) + 1
                    self.report.latencies.append(dt)
                if r.getheader("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status
            except (OSError, http.client.HTTPException):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                time.sleep(0.05 * (attempt + 1))
        raise RuntimeError("the server never answered")

    def run(self, forms: list[Form], replay_rate: float, disconnect_rate: float) -> None:
        done: list[Form] = []
        for form in forms:
            r = self.rng.random()
            if r < disconnect_rate / 2:
                self.abort_mid_request(form)
            elif r < disconnect_rate:
                self.drop_response(form)
            status = self.post(form)
            if status not in (201, 202):
                with self.lock:
                    self.report.errors.append(f"{form.instance_id}: {status} on first send")
                continue
            done.append(form)
            if self.rng.random() < replay_rate:
                again = self.rng.choice(done)
                status = self.post(again)
                with self.lock:
                    self.report.replays += 1
                    if status != 202:
                        self.report.errors.append(f"{again.instance_id}: replay answered {status}, not 202")
        if self.conn is not None:
            self.conn.close()


def run(
    base: str,
    username: str,
    password: str,
    *,
    clients: int = 20,
    per_client: int = 500,
    replay_rate: float = 0.10,
    disconnect_rate: float = 0.05,
    photo_rate: float = 0.2,
    activity: str = "AC-2026-000001",
    seed: int = 0,
    path: str = "/odk/submission",
) -> Report:
    """Run the clients against a live server at ``base`` and return what they saw."""
    report = Report(clients, per_client)
    lock = threading.Lock()
    auth = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
    run_id = f"{seed}-{uuid.uuid4().hex[:8]}"
    rng = random.Random(seed)
    plans = []
    for c in range(clients):
        forms = [make_form(c, i, run_id, activity, rng.random() < photo_rate) for i in range(per_client)]
        report.sent.update({f.instance_id: f for f in forms})
        plans.append(forms)
    threads = [
        threading.Thread(
            target=Client(base, path, auth, report, lock, seed * 1000 + c).run,
            args=(plans[c], replay_rate, disconnect_rate),
        )
        for c in range(clients)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report.elapsed = time.perf_counter() - t0
    return report


def seed_record(store) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The few synthetic records the simulated forms refer to: an organisation, its team, a hazardous
    area and a clearance activity on it. Returns their codes."""
    import numpy as np
    import shapely

    from landrelease.domain import model as m
    from landrelease.domain.batch import Batch
    from landrelease.service.write import write_batch

    def one(ent, geom=None, **cols) -> str:  # type: ignore[no-untyped-def]
        geoms = None
        if ent.geom is not None:
            geoms = np.empty(1, dtype=object)
            geoms[0] = geom
        return write_batch(store, Batch(ent, {k: [v] for k, v in {**cols, "synthetic": True}.items()}, geoms)).codes[0]

    org = one(m.ORGANISATION, name="Synthetic field operator (load test)")
    unit = one(m.UNIT, name="Synthetic team", org=org, unit_type="manual")
    area = one(
        m.HAZARDOUS_AREA,
        shapely.box(35.50, 51.40, 35.51, 51.41),
        name="Synthetic field",
        haz_type="cha",
        status="open",
        org=org,
    )
    act = one(m.ACTIVITY, act_type="clearance", area=area, org=org, unit=unit, status="ongoing")
    return {"org": org, "unit": unit, "area": area, "activity": act}
