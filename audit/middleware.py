from .events import Kind, Outcome, record

SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AuditMiddleware:
    """Records what every view shares: a logged-in user refused an object (403, or 404 on a URL naming
    one), an Excel export, a printed PDF. Views record their own events (decisions, ID scans)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        content_type = response.get("Content-Type", "")
        if response.status_code == 403 or (response.status_code == 404 and _names_an_object(request)):
            record(
                Kind.ACCESS_REFUSED,
                request=request,
                outcome=Outcome.REFUSED,
                detail=f"HTTP {response.status_code}",
            )
        elif response.status_code == 200 and content_type.startswith(SPREADSHEET):
            record(Kind.EXPORT, request=request, detail=request.get_full_path()[:500])
        elif (
            response.status_code == 200
            and content_type.startswith("application/pdf")
            and request.path.startswith("/printing/")
        ):
            selected = (request.POST if request.method == "POST" else request.GET).getlist("ids")
            record(Kind.PRINT, request=request, detail=f"打印 {len(selected)} 份证书")
        return response


def _names_an_object(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and match.kwargs.get("pk") is not None)
