"""The signed link a printed certificate's QR code carries, and what it verifies.

Each printed paper has its own identity: the print task it was printed from (``PrintTask``), named in
the QR link as ``p<task id>`` and signed with ``SECRET_KEY``. Links printed before papers had their own
identity name the certificate and its edition (``<certificate id>.<edition>``); they still verify, as
the first paper of that edition (``papers.paper_for``).
"""

from typing import NamedTuple

from django.core import signing
from django.urls import reverse

SALT = "jiance.certificate-qr"


class Token(NamedTuple):
    """What a genuine link names: a paper (``task_id``), or, in an older link, a certificate's edition."""

    task_id: int | None = None
    certificate_id: int | None = None
    edition: int | None = None


def _sign(value: str) -> str:
    return signing.Signer(salt=SALT).sign(value).replace(":", "~")


def token_for_paper(task) -> str:
    """The URL-safe signed token of the paper printed from ``task`` (what a new QR code carries)."""
    return _sign(f"p{task.pk}")


def token_for(certificate, edition: int | None = None) -> str:
    """The older token naming a certificate and an edition (links already printed keep working)."""
    edition = certificate.edition if edition is None else edition
    return _sign(f"{certificate.pk}.{edition}")


def read_token(token: str) -> Token:
    """What a genuine token names; raises ``signing.BadSignature`` for a forged or malformed one."""
    value = signing.Signer(salt=SALT).unsign(token.replace("~", ":"))
    if value.startswith("p") and value[1:].isdigit():
        return Token(task_id=int(value[1:]))
    pk, _, edition = value.partition(".")
    if not (pk.isdigit() and edition.isdigit()):
        raise signing.BadSignature("malformed")
    return Token(certificate_id=int(pk), edition=int(edition))


def verify_path_for_paper(task) -> str:
    return reverse("verify_qr", args=[token_for_paper(task)])


def verify_path(certificate, edition: int | None = None) -> str:
    return reverse("verify_qr", args=[token_for(certificate, edition)])


def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***: enough to confirm, not to harvest."""
    return name[:1] + "*" * (len(name) - 1) if name else ""
