"""基本信息's search box: a full 身份证号 never travels in a URL (proxies, logs and browser history keep URLs).

The box posts. The view answers with a redirect to the list: ``?q=…`` for a name or a certificate number,
``?id=…`` for a full ID number, where ``id`` is a keyed hash of the number (HMAC with ``SECRET_KEY``, so
the URL reveals nothing) that this login's session maps back to the number for its last few searches.
Paging and the Excel export keep ``id`` like any filter. A full ID number typed into ``?q=`` by hand is
refused; an ``id`` this session does not know (an old bookmark, another login) asks for a new search.
"""

from urllib.parse import urlencode

from django import forms
from django.utils.crypto import salted_hmac

from web.filters import InvalidQuery, SearchForm

from .models import ID_NUMBER

SESSION_KEY = "person_id_searches"
KEEP = 10  # ID searches a session remembers


class PersonSearchForm(SearchForm):
    id = forms.CharField(label="身份证号查询", max_length=64, required=False)


def is_id_number(text: str) -> bool:
    return bool(ID_NUMBER.fullmatch(text.upper()))


def query_for(request, text: str) -> str:
    """The list's query string for a search typed into the box (after the POST)."""
    if not is_id_number(text):
        return urlencode({"q": text}) if text else ""
    number = text.upper()
    key = salted_hmac("personnel.search", number).hexdigest()[:32]
    kept = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if k != key}
    kept[key] = number
    request.session[SESSION_KEY] = dict(list(kept.items())[-KEEP:])
    return urlencode({"id": key})


def search_text(request, filters: dict) -> str:
    """What to search for, from the list's cleaned query (``PersonSearchForm``)."""
    if is_id_number(filters["q"]):
        raise InvalidQuery("身份证号不能放在网址中，请在查询框中输入后点“查询”。")
    if filters["id"]:
        number = request.session.get(SESSION_KEY, {}).get(filters["id"])
        if number is None:
            raise InvalidQuery("该身份证号查询已失效（只在本次登录中有效），请重新输入身份证号查询。")
        return number
    return filters["q"]
