"""Sending email through SES, as multipart/alternative MIME (plain text and HTML)."""

from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol

from botocore.exceptions import ClientError

from handlers.aws_clients import aws_client
from handlers.web.emails import Email

# SES refusals that no retry will change (an unverified address, a bad configuration).
_PERMANENT_SES_ERRORS = {
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "ConfigurationSetDoesNotExistException",
    "AccountSendingPausedException",
    "InvalidParameterValue",
}


class UndeliverableEmailError(RuntimeError):
    """SES refused the email for good: retrying would only delay the workflow."""


class Mailer(Protocol):
    def send(self, email: Email) -> str: ...


# Headers folded only past RFC 5322's hard limit: Python folds a subject at 78 characters
# leaving the space before the fold in place, so a reader unfolding it sees two spaces where
# there was one ("Mon 3  - Fri 7 Aug", seen beside an encoded en dash).
_MIME_POLICY = policy.default.clone(max_line_length=998)


def to_mime(email: Email, sender: str) -> bytes:
    message = EmailMessage(policy=_MIME_POLICY)
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message.as_bytes()


class SesMailer:
    def __init__(self, sender: str, client: Any = None) -> None:
        self._sender = sender
        self._client = client or aws_client("ses")

    def send(self, email: Email) -> str:
        """Send one email; return SES's message id."""
        try:
            response = self._client.send_raw_email(
                Source=self._sender,
                Destinations=[email.to],
                RawMessage={"Data": to_mime(email, self._sender)},
            )
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code in _PERMANENT_SES_ERRORS:
                raise UndeliverableEmailError(f"{code}: {error}") from error
            raise
        return str(response["MessageId"])
