"""Staged uploads (reviews.staging): one file sent as it is chosen, and taking one back."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from web.limits import takes_files

from .. import processes, staging
from ..uploads import greyscale_warning


class StageForm(forms.Form):
    type = forms.ChoiceField(choices=processes.scan_choices)
    file = forms.FileField()


def _uploader(user, scan_type: str | None = None) -> None:
    # Scans come with filings: each role stages only the scans of what it files (Process.filers) or
    # receives, and the province those of its own decisions; a city stages no institution's scans.
    allowed = processes.uploads_of(user.role)
    if not allowed or (scan_type is not None and scan_type not in allowed):
        raise PermissionDenied("您无权上传附件。")


@require_POST
@takes_files
def upload_stage(request: HttpRequest) -> JsonResponse:
    """Check one chosen file at once and keep it for the form: 201 with its token, or 400 with the
    reason in Chinese (nothing kept)."""
    _uploader(request.user)
    form = StageForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse({"error": "请选择要上传的文件。"}, status=400)
    _uploader(request.user, form.cleaned_data["type"])
    try:
        staged = staging.stage(request.user, form.cleaned_data["file"], form.cleaned_data["type"])
    except ValidationError as e:
        return JsonResponse({"error": "；".join(e.messages)}, status=400)
    body = {
        "token": staged.token,
        "name": staged.original_name,
        "page": staged.page,
        "size": staged.size,
        "warning": greyscale_warning(staged.original_name) if staged.greyscale else "",
    }
    return JsonResponse(body, status=201)


@require_POST
def upload_discard(request: HttpRequest, token: str) -> HttpResponse:
    """Take back a staged file (移除): only its owner can; anyone else's token is a 404."""
    _uploader(request.user)
    if not staging.discard(request.user, token):
        raise Http404("文件不存在或已失效。")
    return HttpResponse(status=204)
