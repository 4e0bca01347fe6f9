from functools import wraps

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from audit.events import Kind, Outcome, record
from web import throttle

from ..actions import AlreadyHandled, ApplicationConflict, FilingRefused
from ..models import Application
from ..processes import ID_NUMBER_ON_FILE

# A clash tells the filer that an ID number is known to the system: a login that met this many in the
# window may not file (or correct) people until it ends, so that filing cannot be used to probe ID numbers.
CLASH_LIMIT, CLASH_WINDOW = 10, 3600
PROBING = "核对身份证号的次数过多，请一小时后再办理人员备案。"


def _clashes(request) -> str:
    return f"id-clash:{request.user.pk}"


def probing_spent(request, form) -> bool:
    """Whether this login met too many ID-number clashes lately; if so the form says so."""
    if "id_number" in form.fields and throttle.spent(_clashes(request), CLASH_LIMIT):
        form.add_error(None, PROBING)
        return True
    return False


def count_probe(request, form) -> None:
    """Count (and audit) a refusal that told the filer an ID number is on file."""
    if form.has_error("id_number", ID_NUMBER_ON_FILE):
        throttle.hit(_clashes(request), CLASH_WINDOW)
        record(
            Kind.ID_NUMBER_PROBED,
            request=request,
            outcome=Outcome.REFUSED,
            detail="人员备案：身份证号已在其他机构备案",
        )


def visible_application(user, pk: int) -> Application:
    """The application if ``user`` may see it, else 404 (scope starts here for every application page)."""
    return get_object_or_404(Application.objects.visible_to(user), pk=pk)


def friendly_conflicts(view):
    """A lost race or a conflicting open application is a clear page (409), never a 500."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (AlreadyHandled, ApplicationConflict) as e:
            return render(request, "reviews/already_handled.html", {"message": e.message}, status=409)

    return wrapper


def file_or_refuse(form, action, *args, **kwargs):
    """Run a filing ``action``; a refusal by the process's rules becomes the form's error (the same
    message whether the form or a forged POST brought the data). Returns the application or None."""
    try:
        return action(*args, **kwargs)
    except FilingRefused as e:
        form.add_error(None, e)
        return None


def warn_greyscale(request, form) -> None:
    """The guide asks for colour scans: say which uploads were greyscale (stored all the same)."""
    for warning in form.scan_warnings:
        messages.warning(request, warning)


def filed(request, form, application, message: str):
    """After a filing: greyscale warnings, the success message, and on to the application page."""
    warn_greyscale(request, form)
    messages.success(request, message)
    return redirect("application_detail", pk=application.pk)


def subject_visible(application, user) -> bool:
    """Whether ``user`` may see the person the application is about (the page links their 信用档案).

    The page reads the person and both parties with the application: when the person works for one of
    them (or for no one), the people's rule is applied to that institution without a query. People sit
    above this app, so their model and rule are reached through the relation, not imported."""
    if application.person_id is None:
        return False
    if user.is_province:
        return True
    person = application.person
    employer = person.institution_id
    known = application.parties()
    if employer is None or employer in known:
        return person.visible_with(known.get(employer), user)
    return type(person).objects.visible_to(user).filter(pk=application.person_id).exists()
