"""A job's page (progress bar), its JSON status (polled by static/js/app.js) and its file.

Only the job's owner sees any of them; anyone else gets 404, as if the job did not exist.
"""

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from audit.events import Kind, record
from web.exports import XLSX
from web.privacy import personal_data

from .models import Job


def _own(request, pk) -> Job:
    return get_object_or_404(Job.objects.owned_by(request.user), pk=pk)


@personal_data
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "jobs/job_detail.html", {"job": _own(request, pk)})


@require_GET
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = _own(request, pk)
    data = {
        "state": job.state,
        "label": job.get_state_display(),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "error": job.error,
        "download": reverse("job_download", args=[job.pk]) if job.state == Job.State.DONE else "",
    }
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store, private"
    return response


@personal_data
@require_GET
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own(request, pk)
    if job.state != Job.State.DONE or job.expired or not job.file:
        raise Http404("文件不存在或已过期，请重新生成。")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件不存在或已过期，请重新生成。") from None
    if job.content_type != XLSX:  # a spreadsheet is recorded as 导出 by audit.middleware, like any export
        record(Kind.PRINT, request=request, obj=job, detail=f"下载 {job.filename}（{job.total} 份）")
    response = FileResponse(handle, as_attachment=True, filename=job.filename, content_type=job.content_type)
    response["Cache-Control"] = "no-store, private"
    return response
