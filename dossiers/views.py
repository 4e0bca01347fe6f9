import io

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from audit.events import Kind, record
from personnel.models import Person
from web.privacy import personal_data

from . import pdf
from .dossier import dossier_for
from .sheet import sheet_for


@personal_data
def person_dossier(request: HttpRequest, pk: int) -> HttpResponse:
    """信用档案: everything about the person that the viewer may see, on one page."""
    dossier = dossier_for(request.user, pk)
    context = {"dossier": dossier, "person": dossier.person, "credit_records": dossier.credit_records}
    return render(request, "dossiers/dossier.html", context)


@personal_data
def person_dossier_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole 信用档案 as a PDF, for the province (others who may see the person: 403)."""
    if not request.user.is_province:
        if not Person.objects.visible_to(request.user).filter(pk=pk).exists():
            raise Http404("不在您的管理范围内")
        raise PermissionDenied("信用档案导出供省质监总站使用。")
    dossier = dossier_for(request.user, pk)
    body = pdf.render(sheet_for(dossier))
    record(Kind.EXPORT, request=request, obj=dossier.person, detail=f"信用档案 {dossier.person.name}")
    name = f"信用档案-{dossier.person.name}.pdf"
    return FileResponse(io.BytesIO(body), content_type="application/pdf", as_attachment=True, filename=name)
