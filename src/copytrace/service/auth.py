"""API keys: a file of `KEY SCOPE` lines (scope `read` or `write`), and the constant-time check of a presented key.

A presented key is compared with every key of the file (`hmac.compare_digest`, no early exit on a match), so the
time a check takes says nothing about which key, or how much of one, matched."""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path

SCOPES = ("read", "write")  # write includes read


class KeysError(Exception):
    """A keys file that is missing or ill-formed: bad usage, said in one line."""


@dataclass(frozen=True)
class Keys:
    entries: tuple[tuple[bytes, str], ...]  # (key, scope)

    @classmethod
    def read(cls, path: str | Path) -> Keys:
        """One `KEY SCOPE` per line; blank lines and lines starting with # are ignored."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise KeysError(f"{path}: cannot read the keys file ({e.__class__.__name__})") from None
        entries = []
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) != 2 or parts[1] not in SCOPES:
                raise KeysError(f"{path}:{number}: expected 'KEY SCOPE' with scope read or write")
            entries.append((parts[0].encode("utf-8"), parts[1]))
        if not entries:
            raise KeysError(f"{path}: no keys (one 'KEY SCOPE' per line, scope read or write)")
        return cls(tuple(entries))

    def scope_of(self, presented: str) -> str | None:
        """The scope of the presented key (the widest if it is listed twice), or None. Every key is compared, in
        constant time each, whatever matched before."""
        given = presented.encode("utf-8")
        found = None
        for key, scope in self.entries:
            if hmac.compare_digest(key, given) and (found is None or scope == "write"):
                found = scope
        return found


def allows(scope: str | None, needed: str) -> bool:
    return scope == "write" or (scope == "read" and needed == "read")
