"""Reading the mail the service sent, as the local SES emulator (moto) kept it."""

from dataclasses import asdict, dataclass
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage
from typing import Any


@dataclass(frozen=True)
class ReceivedEmail:
    to: str
    subject: str
    text: str
    html: str
    sent_at: str
    message_id: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_raw_email(raw: str | bytes, message_id: str = "") -> ReceivedEmail:
    message = (
        message_from_bytes(raw, policy=policy.default)
        if isinstance(raw, bytes)
        else message_from_string(raw, policy=policy.default)
    )
    assert isinstance(message, EmailMessage)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return ReceivedEmail(
        to=str(message["To"]),
        subject=str(message["Subject"]),
        text=text.get_content() if text else "",
        html=html.get_content() if html else "",
        sent_at=str(message["Date"]),
        message_id=message_id,
    )
