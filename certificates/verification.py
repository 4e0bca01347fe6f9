"""The signed link a printed certificate's QR code carries, and what it verifies."""

from django.core import signing
from django.urls import reverse

SALT = "jiance.certificate-qr"


def token_for(certificate, edition: int | None = None) -> str:
    """A URL-safe token naming the certificate and the printed edition, signed with SECRET_KEY."""
    edition = certificate.edition if edition is None else edition
    return signing.Signer(salt=SALT).sign(f"{certificate.pk}.{edition}").replace(":", "~")


def read_token(token: str) -> tuple[int, int]:
    """(certificate pk, edition) of a genuine token; raises ``signing.BadSignature`` for a forged one."""
    value = signing.Signer(salt=SALT).unsign(token.replace("~", ":"))
    pk, _, edition = value.partition(".")
    if not (pk.isdigit() and edition.isdigit()):
        raise signing.BadSignature("malformed")
    return int(pk), int(edition)


def verify_path(certificate, edition: int | None = None) -> str:
    return reverse("verify_qr", args=[token_for(certificate, edition)])


def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***: enough to confirm, not to harvest."""
    return name[:1] + "*" * (len(name) - 1) if name else ""
