"""Webhooks: when an add finds a copy of a watched document, every registered webhook is POSTed the event

    {"event": "copy_found", "watched": ID, "copy": ID, "kind": KIND, "score": S, "passages": [...]}

(passages as in pairs.jsonl, `a` spans in the watched document, `b` in the copy) with the header
`X-Copytrace-Signature: sha256=HEX`, HEX the HMAC-SHA256 of the exact body bytes under the webhook's secret. A
receiver checks it with `hmac.compare_digest(header, "sha256=" + hmac.new(secret, body, sha256).hexdigest())`.

Deliveries run on their own thread, never on the writer's: an add is answered whatever the receivers do. A delivery
that fails (no answer, or a status other than 2xx) is tried again after `backoff * 2**(attempt-1)` seconds, at most
`attempts` times in all; every delivery is recorded with its attempts and outcome (the last ones, in memory)."""
from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from copytrace.document import Pair
from copytrace.service.state import FOLDER, WatchList, read_json, write_json

SIGNATURE_HEADER = "X-Copytrace-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def copy_events(pairs: list[Pair], watched: WatchList) -> list[dict]:
    """One event per copy (any kind but same_story) of a watched document among an add's pairs."""
    events = []
    for pair in pairs:
        if not pair.kind.is_copy:
            continue
        for seen in (pair, pair.swapped()):
            if seen.a in watched:
                events.append({"event": "copy_found", "watched": seen.a, "copy": seen.b, "kind": seen.kind.value,
                               "score": round(seen.score, 4), "passages": [p.to_json() for p in seen.passages]})
    return events


@dataclass
class _Delivery:
    number: int
    webhook: str  # its id
    url: str
    secret: str
    body: bytes
    event: dict
    attempts: int = 0
    status: str = "pending"  # pending, delivered, failed
    last_error: str | None = None

    def record(self) -> dict:
        return {"delivery": self.number, "webhook": self.webhook, "url": self.url, "watched": self.event["watched"],
                "copy": self.event["copy"], "kind": self.event["kind"], "attempts": self.attempts,
                "status": self.status, "last_error": self.last_error}


class Webhooks:
    """The registered webhooks (kept in INDEX/service/webhooks.json, readable by the owner only: it holds the
    secrets) and the delivery thread."""

    def __init__(self, index: Path, attempts: int = 5, backoff: float = 1.0, timeout: float = 10.0,
                 kept: int = 1000) -> None:
        self.path = index / FOLDER / "webhooks.json"
        self.attempts, self.backoff, self.timeout = attempts, backoff, timeout
        self._hooks: list[dict] = read_json(self.path, [])
        self._lock = threading.Condition()
        self._due: list[tuple[float, int, _Delivery]] = []  # a heap by the time each try is due
        self._numbers = itertools.count(1)
        self._recent: deque[_Delivery] = deque(maxlen=kept)
        self.delivered = self.failed = self.retried = 0
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="copytrace-webhooks", daemon=True)
        self._thread.start()

    def register(self, url: str, secret: str) -> dict:
        hook = {"id": secrets.token_hex(8), "url": url, "secret": secret, "created": time.time()}
        with self._lock:
            hooks = self._hooks + [hook]
            write_json(self.path, hooks, mode=0o600)
            self._hooks = hooks
        return _public(hook)

    def registrations(self) -> list[dict]:
        with self._lock:
            return [_public(h) for h in self._hooks]

    def deliveries(self) -> dict:
        with self._lock:
            return {"delivered": self.delivered, "failed": self.failed, "retried": self.retried,
                    "pending": len(self._due), "recent": [d.record() for d in self._recent]}

    def send(self, events: list[dict]) -> None:
        """Queue each event for every webhook registered now; returns at once."""
        now = time.monotonic()
        with self._lock:
            for event in events:
                body = json.dumps(event, separators=(",", ":")).encode("utf-8")
                for hook in self._hooks:
                    delivery = _Delivery(next(self._numbers), hook["id"], hook["url"], hook["secret"], body, event)
                    self._recent.append(delivery)
                    heapq.heappush(self._due, (now, delivery.number, delivery))
            self._lock.notify()

    def close(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify()
        self._thread.join(self.timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._stopped and (not self._due or self._due[0][0] > time.monotonic()):
                    self._lock.wait(None if not self._due else self._due[0][0] - time.monotonic())
                if self._stopped:
                    return
                _, _, delivery = heapq.heappop(self._due)
            error = self._post(delivery)
            with self._lock:
                delivery.attempts += 1
                delivery.last_error = error
                if error is None:
                    delivery.status = "delivered"
                    self.delivered += 1
                elif delivery.attempts >= self.attempts:
                    delivery.status = "failed"
                    self.failed += 1
                else:
                    self.retried += 1
                    due = time.monotonic() + self.backoff * 2 ** (delivery.attempts - 1)
                    heapq.heappush(self._due, (due, delivery.number, delivery))

    def _post(self, delivery: _Delivery) -> str | None:
        """None when the receiver answered 2xx, else what went wrong."""
        request = urllib.request.Request(delivery.url, data=delivery.body, method="POST", headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: sign(delivery.secret, delivery.body),
            "User-Agent": "copytrace-webhooks"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                answer.read()
                return None if 200 <= answer.status < 300 else f"HTTP {answer.status}"
        except urllib.error.HTTPError as e:
            return f"HTTP {e.code}"
        except (OSError, ValueError) as e:
            return f"{e.__class__.__name__}: {e}"


def _public(hook: dict) -> dict:
    return {"id": hook["id"], "url": hook["url"], "created": hook["created"]}
