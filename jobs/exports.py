"""Excel export of a list: small ones at once, big ones (over ``EXPORT_SYNC_MAX_ROWS`` rows) as a job.

A list declares its export once, as a function ``(user, query) -> Export`` decorated with
``@export_source``; the page's view and the worker both call it, so the file has exactly the page's
filters and scope. The function checks permissions itself (it also runs in the worker).
"""

import importlib
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect

from web.exports import XLSX, write_xlsx, xlsx_name, xlsx_response

from .queue import start
from .runner import Output, runner

SOURCES: dict[str, Callable] = {}


@dataclass
class Export:
    title: str
    headers: list[str]
    queryset: QuerySet
    rows: Callable[[QuerySet], Iterable[Iterable]]


def export_source(fn):
    SOURCES[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def _name(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def export_response(request, source, **kwargs) -> HttpResponse:
    """The xlsx itself when the list is small; otherwise a job, and the page that follows it.
    ``kwargs`` (the URL's arguments, JSON-serialisable) are passed to the source and kept with the job."""
    export = source(request.user, request.GET, **kwargs)
    limit = settings.EXPORT_SYNC_MAX_ROWS
    if export.queryset[: limit + 1].count() <= limit:
        return xlsx_response(export.title, export.headers, export.rows(export.queryset))
    query = request.GET.copy()
    query.pop("page", None)
    job = start(
        request.user,
        "xlsx",
        xlsx_name(export.title),
        {"source": _name(source), "query": query.urlencode(), "kwargs": kwargs},
    )
    return redirect("job_detail", pk=job.pk)


@runner("xlsx")
def run_export(job, progress) -> Output:
    name = job.params["source"]
    if name not in SOURCES:  # the worker has not imported the list's module yet
        importlib.import_module(name.rsplit(".", 1)[0])
    source = SOURCES[name]
    export = source(job.owner, QueryDict(job.params["query"]), **job.params.get("kwargs", {}))
    progress.total(export.queryset.count())
    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the runner
    write_xlsx(out, export.title, export.headers, export.rows(export.queryset), progress)
    out.seek(0)
    return Output(job.title, XLSX, out)
