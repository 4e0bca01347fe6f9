"""What a process is, and the one registry of them.

A process (人员变更调离, 人员上岗证补办, …) is one frozen ``Process`` declaration, written next to its model
in the app that owns it and registered from that app's ``AppConfig.ready()``. The review machine reads
everything it needs about a process from here and imports no process: apps depend on ``reviews``, never
the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

# The code of a refusal that tells the filer an ID number is known to the system (a 人员备案's clash):
# reviews.views.common counts them per login, whether met when filing or when correcting.
ID_NUMBER_ON_FILE = "id_number_on_file"


class FilingRefused(ValidationError):
    """A filing or resubmission that the process does not accept (another institution's person, a
    receiver that may not receive, a certificate in the wrong state …). Its message is shown as is."""


# The guide's words for scans, for the ``help_text`` of the declarations (each upload field shows its own).
COLOUR_SCAN = "彩色扫描件"
STAMPED_SCAN = "加盖公章的彩色扫描件"
SOCIAL_SECURITY_SCAN = "加盖社保单位公章的彩色扫描件"
PAGED_SCAN = "每页的扫描件以'页码号'命名（1.jpg、2.jpg …），按页码顺序上传"


@dataclass(frozen=True)
class ScanSpec:
    """One kind of scan a party uploads: stored as ``Attachment.type``.

    ``help_text`` is what the guide asks of this scan (stamp, colour, page naming), shown at its upload
    field; a ``paged`` scan's files must be numbered 1, 2, 3 … with no repeat or gap.
    """

    type: str
    label: str  # the type's name wherever a scan of it is shown
    required: bool = True
    multiple: bool = False
    paged: bool = False  # one image per page, named by its page number (劳动合同)
    max_files: int | None = None
    help_text: str = ""
    field_label: str = ""  # the upload field's label, when this process words it differently
    identity: bool = False  # an identity document (身份证): every view of it is audited

    @property
    def upload_label(self) -> str:
        return self.field_label or self.label


def _receiver(application):
    return application.receiving_institution if application.receiving_institution_id else None


def _person_name(application) -> str:
    return application.person.name if application.person_id else ""


@dataclass(frozen=True)
class Process:
    """Everything about one process that is not its model's fields.

    - ``check_filing(user, application)`` raises ``FilingRefused`` when ``user`` may not file (or
      resubmit) ``application`` as it stands; the actions call it under the person's row lock.
    - ``apply(application, user)`` is the effect of the province's approval, run in the approving
      transaction.
    - ``summary(application, user)`` is the context ``summary_template`` needs on the application page.
    - ``subject(application)`` is whom the application is about, as shown in lists.
    - ``destination(application)`` is the institution approval places a person at (the 调入机构 by
      default; None when approval places no one): approval is refused while it is not 正常 or 筹建.
    - ``correction_form`` names the filing form set up again for the filer to correct a returned application.
    - ``filers`` are the roles that file it: an institution (about its own people) by default; a process
      filed by a city is the city's own (its city is the application's only city) and a process filed by
      the province is decided at once (``decree``).
    - ``city_review``: whether the cities review before the province; without it a submission goes
      straight to 待省级复核 (a city's own filing, or what only the province decides on).
    """

    type: str
    label: str
    model: type
    review_title: str
    filer_scans: tuple[ScanSpec, ...]
    check_filing: Callable[[Any, Any], None]
    apply: Callable[[Any, Any], None]
    summary: Callable[[Any, Any], dict]
    summary_template: str
    receiver_scans: tuple[ScanSpec, ...] = ()
    province_scans: tuple[ScanSpec, ...] = ()  # what the province uploads when it decides on its own
    city_step: str = "市级审核"
    review_verb: str = "审核"  # the guide's verb for a reviewer's step (审批 for 人员变更审批 / 人员补证审批)
    subject: Callable[[Any], str] = _person_name
    change_list_url: str = ""  # the institution's list under 【诚信变更管理】, if the process has one
    # The dotted path of the process's filing form (a ``reviews.forms.CorrectionMixin``), which is set up
    # again to correct a returned application; a process without one is corrected by its scans only.
    # A path, not the class: the forms import the process's declaration.
    correction_form: str = ""
    destination: Callable[[Any], Any] = _receiver
    filers: tuple[str, ...] = ("institution",)
    city_review: bool = True


_processes: dict[str, Process] = {}


def register(process: Process) -> None:
    """Called from the owning app's ``ready()``; the menus list processes in registration order."""
    if process.type in _processes and _processes[process.type] != process:
        raise ValueError(f"process {process.type!r} registered twice")
    _processes[process.type] = process


def get(type: str) -> Process:
    return _processes[type]


def label(type: str) -> str:
    """The guide's name of the process ``type`` (the type itself when no process has it)."""
    found = _processes.get(type)
    return found.label if found else type


def all_processes() -> list[Process]:
    return list(_processes.values())


def type_choices() -> list[tuple[str, str]]:
    """Choices of ``Application.type`` (and of anything else naming a process)."""
    return [(p.type, p.label) for p in _processes.values()]


def scan_choices() -> list[tuple[str, str]]:
    """Choices of ``Attachment.type``: every scan any process declares, in declaration order."""
    seen: dict[str, str] = {}
    for process in _processes.values():
        for scan in process.filer_scans + process.receiver_scans + process.province_scans:
            seen.setdefault(scan.type, scan.label)
    return list(seen.items())


def scan_spec(type: str) -> ScanSpec | None:
    """The first declaration of scan ``type`` (its checks are the same in every process that has it),
    the province's own scans included (staged like any other)."""
    return next(
        (
            s
            for p in _processes.values()
            for s in p.filer_scans + p.receiver_scans + p.province_scans
            if s.type == type
        ),
        None,
    )


def is_identity_document(type: str) -> bool:
    return any(
        s.identity for p in _processes.values() for s in p.filer_scans + p.receiver_scans if s.type == type
    )


def uploads_of(role: str) -> set[str]:
    """The scan types ``role`` uploads: those of the processes it files (and receives), and the
    province's own decisions."""
    types = set()
    for p in _processes.values():
        if role in p.filers:
            types |= {s.type for s in p.filer_scans}
        if role == "institution":
            types |= {s.type for s in p.receiver_scans}
        if role == "province":
            types |= {s.type for s in p.province_scans}
    return types


def filed_by(role: str) -> list[str]:
    """Types of the processes that ``role`` (institution, city, province) files."""
    return [p.type for p in _processes.values() if role in p.filers]


def for_model(model: type) -> Process:
    """The process whose application model is ``model``."""
    return next(p for p in _processes.values() if p.model is model)
