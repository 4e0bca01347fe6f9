"""资质到期: each institution is told once when a qualification of its expires within
``Qualification.EXPIRY_WARNING_DAYS`` days (or has expired), by the daily sweep."""

from django.urls import reverse
from django.utils import timezone

from institutions.models import Qualification

from .actions import notify
from .models import Kind


def once_key(qualification) -> str:
    """One message per qualification and end date: a renewed qualification is warned about again."""
    return f"qualification:{qualification.pk}:until:{qualification.valid_until.isoformat()}"


def sweep(on=None) -> int:
    """Tell the institution of every qualification expiring or expired on ``on`` (today); the ones told
    before are left alone (``once_key``). Returns how many qualifications were looked at."""
    on = on or timezone.localdate()
    url = reverse("qualification_expiring")
    qualifications = Qualification.objects.expiring(on).select_related("institution")
    for qualification in qualifications:
        days = qualification.days_left(on)
        when = (
            f"已于 {qualification.valid_until:%Y-%m-%d} 过期"
            if days < 0
            else (f"将于 {qualification.valid_until:%Y-%m-%d} 到期（还有 {days} 天）")
        )
        text = f"{qualification.get_kind_display()}资质（{qualification.number}）{when}，请及时办理延续。"
        notify([qualification.institution], Kind.EXPIRING, text, url, once_key=once_key(qualification))
    return len(qualifications)
