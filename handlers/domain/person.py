"""Who a person is to the service: one email address, in plain ASCII, in one spelling.

Everything a person has here (their requests, the requests they approve, their calendar feed,
their delegation) is keyed by this address. The identity provider's stable subject
(`iss` + `sub`) would be another choice, but the approver directory, the approval chain, the
emails and every stored record name people by address; so the key is the provider's verified
email claim, taken only when it cannot be confused with anyone else's:

- no control character anywhere (CR or LF would become email headers later);
- plain ASCII once normalised (NFKC, strip, lower), and equal to what a plain ASCII
  lower-casing of the claim gives: a lookalike such as the Kelvin sign (U+212A, which
  `str.lower()` turns into an ASCII `k`) or a full-width letter would otherwise fold onto
  another person's address and open their requests;
- an address: `local@domain`, a dot-atom local part (no quoted forms) and a domain of
  letters, digits and hyphens with at least two labels, within SMTP's lengths.
"""

import re
import string
import unicodedata

MAX_ADDRESS_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64

_LOCAL_PART = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class NotAPersonError(ValueError):
    """An address that cannot name a person here; `problem` says why, without repeating it."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _has_control_character(text: str) -> bool:
    # Unicode's "C" categories: controls (CR, LF, tab, NUL), format characters (zero-width
    # joiners, direction marks), surrogates, private use and unassigned code points.
    return any(unicodedata.category(character).startswith("C") for character in text)


def person_address(claim: str) -> str:
    """The one spelling of `claim` that keys a person, or NotAPersonError."""
    if _has_control_character(claim):
        raise NotAPersonError("it contains a control character")
    address = unicodedata.normalize("NFKC", claim).strip().lower()
    if not address.isascii() or address != claim.strip(" ").translate(_ASCII_LOWER):
        raise NotAPersonError("it is not plain ASCII, so it could pass for another person's")
    local, at, domain = address.rpartition("@")
    if (
        not at
        or len(address) > MAX_ADDRESS_LENGTH
        or len(local) > MAX_LOCAL_PART_LENGTH
        or not _LOCAL_PART.fullmatch(local)
        or not _DOMAIN.fullmatch(domain)
    ):
        raise NotAPersonError("it is not an email address")
    return address
