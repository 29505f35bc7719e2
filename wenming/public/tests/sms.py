"""An SMS backend for tests: keeps what would have been sent."""

from __future__ import annotations

import re

OUTBOX: list[dict] = []


class RecordingSMSBackend:
    def send(self, *, phone: str, text: str, key: str) -> None:
        OUTBOX.append({"phone": phone, "text": text, "key": key})


def last_code(phone: str) -> str:
    for message in reversed(OUTBOX):
        if message["phone"] == phone:
            return re.search(r"\b(\d{6})\b", message["text"]).group(1)
    raise AssertionError(f"no SMS to {phone}")
