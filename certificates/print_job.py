"""A batch PDF too big for one request (over ``PRINT_SYNC_MAX`` certificates) runs in the worker."""

import tempfile
from datetime import date
from urllib.parse import urljoin

from jobs.runner import Output, runner

from .models import PrintTask
from .pdf import CertificateSheet
from .pdf import render as render_pdf
from .verification import verify_path_for_paper


def batch(user, ids):
    return list(
        PrintTask.objects.visible_to(user)
        .filter(pk__in=ids)
        .select_related("certificate__holder", "certificate__institution", "destination_city")
        .order_by("destination_city__order", "pk")
    )


def sheet(task, absolute) -> CertificateSheet:
    """``absolute(path)`` makes the QR's full link (from the request, or the job's recorded site)."""
    c = task.certificate
    return CertificateSheet(
        holder_name=c.holder.name,
        id_number=c.holder.id_number,
        kind_label=c.get_kind_display(),
        number=c.number,
        institution=c.institution.name if c.institution else "",
        issued_on=c.issued_on,
        edition=task.edition,
        verify_url=absolute(verify_path_for_paper(task)),
    )


def pdf_name(count: int) -> str:
    return f"岗位合格证书-{date.today():%Y%m%d}-{count}份.pdf"


@runner("print_pdf")
def run_print(job, progress) -> Output:
    tasks = batch(job.owner, job.params["ids"])
    progress.total(len(tasks))
    site = job.params["site"]

    def sheets():
        for n, task in enumerate(tasks, 1):
            yield sheet(task, lambda path: urljoin(site, path))
            if n % 50 == 0:
                progress(n)

    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the runner
    render_pdf(sheets(), out)
    out.seek(0)
    return Output(pdf_name(len(tasks)), "application/pdf", out)
