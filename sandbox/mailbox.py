"""Reading the mail the service sent, as the local SES emulator (moto) kept it."""

import json
import threading
import urllib.request
from dataclasses import asdict, dataclass
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

# The route of the sandbox's AWS emulator that lists the raw messages SES accepted.
SENT_EMAILS_PATH = "/_sandbox/sent-emails"


@dataclass(frozen=True)
class ReceivedEmail:
    to: str
    subject: str
    text: str
    html: str
    sent_at: str
    message_id: str

    @property
    def time(self) -> str:
        """When it was sent, as ISO 8601 (from its Date header)."""
        try:
            return parsedate_to_datetime(self.sent_at).isoformat()
        except (TypeError, ValueError):
            return self.sent_at

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "time": self.time}


def parse_raw_email(raw: str | bytes, message_id: str = "") -> ReceivedEmail:
    message = (
        message_from_bytes(raw, policy=policy.default)
        if isinstance(raw, bytes)
        else message_from_string(raw, policy=policy.default)
    )
    assert isinstance(message, EmailMessage)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    # Long headers come folded ("Subject:\n Leave ..."): the folding whitespace is not content.
    return ReceivedEmail(
        to=str(message["To"]).strip(),
        subject=str(message["Subject"]).strip(),
        text=text.get_content() if text else "",
        html=html.get_content() if html else "",
        sent_at=str(message["Date"]),
        message_id=message_id,
    )


class Mailbox:
    """Every email the local SES accepted, oldest first; each fetched and parsed once."""

    def __init__(self, aws_endpoint: str) -> None:
        self._url = aws_endpoint + SENT_EMAILS_PATH
        self._emails: list[ReceivedEmail] = []
        self._lock = threading.Lock()

    def emails(self, to: str | None = None) -> list[ReceivedEmail]:
        with self._lock:
            url = f"{self._url}?from={len(self._emails)}"
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                sent = json.loads(response.read())
            self._emails += [parse_raw_email(m["raw"], m["id"]) for m in sent]
            found = list(self._emails)
        wanted = to.lower() if to else None
        return [e for e in found if wanted is None or e.to.lower() == wanted]
