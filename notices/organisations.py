"""Who a message goes to: an organisation — the province, a city or an institution — named by one key.

Callers pass ``PROVINCE``, a ``City`` or an ``Institution``; every active login of that organisation gets
the message. The key is the same one the menu cache uses ("province", "city:<pk>", "institution:<pk>").
"""

from django.conf import settings
from django.db.models import Q

from institutions.models import City, Institution, User

PROVINCE = "province"


def key(organisation) -> str:
    """The key of ``PROVINCE``, a ``City`` or an ``Institution``."""
    if organisation == PROVINCE:
        return PROVINCE
    if isinstance(organisation, Institution):
        return f"institution:{organisation.pk}"
    if isinstance(organisation, City):
        return f"city:{organisation.pk}"
    raise TypeError(f"not an organisation: {organisation!r}")


def key_of(user) -> str:
    """The organisation of a login ('' for a login without a role)."""
    if user.is_institution:
        return f"institution:{user.institution_id}"
    if user.is_city:
        return f"city:{user.city_id}"
    if user.is_province:
        return PROVINCE
    return ""


def logins(organisation_key: str):
    """The active logins of the organisation named by ``organisation_key``."""
    users = User.objects.filter(is_active=True)
    if organisation_key == PROVINCE:
        return users.filter(role=User.Role.PROVINCE)
    kind, _, pk = organisation_key.partition(":")
    if kind == "institution":
        return users.filter(role=User.Role.INSTITUTION, institution_id=int(pk))
    if kind == "city":
        return users.filter(role=User.Role.CITY, city_id=int(pk))
    raise ValueError(organisation_key)


def logins_of(organisation_keys) -> dict[str, list[int]]:
    """{key: [user pk]} of the active logins of each of ``organisation_keys``, in one query."""
    cities, institutions, province = set(), set(), False
    for organisation_key in organisation_keys:
        kind, _, pk = organisation_key.partition(":")
        if organisation_key == PROVINCE:
            province = True
        elif kind == "city":
            cities.add(int(pk))
        elif kind == "institution":
            institutions.add(int(pk))
        else:
            raise ValueError(organisation_key)
    wanted = Q(role=User.Role.CITY, city_id__in=cities) | Q(
        role=User.Role.INSTITUTION, institution_id__in=institutions
    )
    if province:
        wanted |= Q(role=User.Role.PROVINCE)
    found: dict[str, list[int]] = {}
    users = User.objects.filter(wanted, is_active=True).values_list("pk", "role", "city_id", "institution_id")
    for pk, role, city_id, institution_id in users:
        key_ = (
            PROVINCE
            if role == User.Role.PROVINCE
            else f"city:{city_id}"
            if role == User.Role.CITY
            else f"institution:{institution_id}"
        )
        found.setdefault(key_, []).append(pk)
    return found


def email_addresses(organisation_keys) -> dict[str, str]:
    """{key: address} for those of ``organisation_keys`` that have an address, in at most two queries."""
    by_kind: dict[str, list[int]] = {"institution": [], "city": []}
    found = {}
    for organisation_key in organisation_keys:
        if organisation_key == PROVINCE:
            if settings.PROVINCE_EMAIL:
                found[PROVINCE] = settings.PROVINCE_EMAIL
            continue
        kind, _, pk = organisation_key.partition(":")
        by_kind[kind].append(int(pk))
    for kind, model in (("institution", Institution), ("city", City)):
        if by_kind[kind]:
            rows = model.objects.filter(pk__in=by_kind[kind]).exclude(email="").values_list("pk", "email")
            found.update({f"{kind}:{pk}": email for pk, email in rows})
    return found
