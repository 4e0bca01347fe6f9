"""Application logs as one JSON object per line, each tied to its request, never holding an ID number.

``RequestContextMiddleware`` gives every request an id (the proxy's ``X-Request-ID`` when it is a sane
token, else a new one), returns it in the response header and keeps it, the path and the user's id for
every log record written while the request runs; ``JsonFormatter`` writes them.
"""

import json
import logging
import re
import uuid
from contextvars import ContextVar

_request: ContextVar[dict | None] = ContextVar("jiance_request", default=None)

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# 18-character 身份证号 (17 digits and a digit or X) anywhere in a message: kept as 3201**********0012.
ID_NUMBER = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{3}[\dXx])(?![\dXx])")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request.id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        user = getattr(request, "user", None)
        context = {
            "request_id": request.id,
            "path": request.path,
            "user_id": user.pk if user is not None and user.is_authenticated else None,
        }
        token = _request.set(context)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        response["X-Request-ID"] = request.id
        return response


def mask_id_numbers(text: str) -> str:
    return ID_NUMBER.sub(lambda m: f"{m.group(1)}{'*' * 10}{m.group(2)}", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "message": mask_id_numbers(record.getMessage()),
            **(_request.get() or {"request_id": None, "path": None, "user_id": None}),
        }
        if record.exc_info:
            entry["exception"] = mask_id_numbers(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)
