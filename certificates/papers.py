"""Which printed paper of a certificate is current (QR verification).

A certificate's papers are its print tasks in the order they were ordered (a transfer that moves it, a
补证), preceded by the paper issued before the system printed any. Only the newest paper that was not
voided is current; each older paper was replaced by the next one that was not voided; a voided task's
paper never left the province. Once the certificate is 注销, no paper is valid.
"""

from dataclasses import dataclass

from .models import CertificateStatus, PostCertificate, PrintTask
from .verification import Token


@dataclass(frozen=True)
class PaperCheck:
    certificate: PostCertificate
    edition: int
    task: PrintTask | None  # None: the paper issued before the system printed this certificate
    current: bool
    voided: bool  # superseded before it left the province
    replaced_by: PrintTask | None  # the next paper, for an older one
    ambiguous: bool = False  # an older link to an edition printed more than once: check the institution

    @property
    def cancelled(self) -> bool:
        return self.certificate.status == CertificateStatus.CANCELLED


def paper_for(token: Token) -> PaperCheck:
    """The paper a genuine token names; ``DoesNotExist`` if it names nothing (any more)."""
    if token.task_id is not None:
        task = PrintTask.objects.select_related("application").get(pk=token.task_id)
        certificate = _certificate(task.certificate_id)
        return _check(certificate, task, task.edition)
    certificate = _certificate(token.certificate_id)
    # An older link names an edition, not a paper: it is the one paper printed of that edition, or the
    # paper issued before the system printed any. An edition printed more than once (a transfer
    # reprints the same edition) cannot say which of its papers this is, so it is never called current.
    tasks = list(
        PrintTask.objects.filter(certificate=certificate, edition=token.edition)
        .select_related("application")
        .order_by("pk")[:2]
    )
    if len(tasks) > 1:
        return PaperCheck(certificate, token.edition, None, False, False, None, ambiguous=True)
    return _check(certificate, tasks[0] if tasks else None, token.edition)


def _certificate(pk) -> PostCertificate:
    return PostCertificate.objects.select_related("holder", "institution").get(pk=pk)


def _check(certificate, task, edition) -> PaperCheck:
    later = PrintTask.objects.filter(certificate=certificate).exclude(state=PrintTask.State.VOID)
    if task is not None:
        later = later.filter(pk__gt=task.pk)
    successor = later.select_related("application").order_by("pk").first()
    voided = task is not None and task.state == PrintTask.State.VOID
    current = (
        successor is None
        and not voided
        and certificate.status != CertificateStatus.CANCELLED
        and (task is not None or edition == certificate.edition)
    )
    return PaperCheck(certificate, edition, task, current, voided, successor)
