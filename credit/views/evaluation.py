"""信用评价: the ranking (the province per city and kind, a city its institutions), and the province's
catalogue of conduct and scoring rule."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from web.exports import CHUNK, wants_xlsx, xlsx_response
from web.filters import read_filters
from web.pages import paginate

from .. import catalogue
from ..forms import CategoryForm, RankingFilterForm, RuleForm
from ..models import Category, CreditScore, Rule


def ranking(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_province or user.is_city):
        raise PermissionDenied("信用评价排名由省质监总站和省辖市查看。")
    filters = read_filters(request.GET, RankingFilterForm)
    scores = CreditScore.objects.grades_of_institutions().visible_to(user)
    if filters["city"]:
        scores = scores.filter(institution__city=filters["city"])
    if filters["kind"]:
        scores = scores.of_kind(filters["kind"])
    scores = scores.ranking()
    if wants_xlsx(request):
        return xlsx_response("信用评价排名", RANKING_COLUMNS, _ranking_rows(scores))
    context = {
        "page": paginate(request, scores),
        "filters": filters,
        "form": RankingFilterForm(request.GET or None),
        "year": timezone.localdate().year,
        "by_grade": CreditScore.objects.visible_to(user).institutions_by_grade(),
    }
    return render(request, "credit/ranking.html", context)


RANKING_COLUMNS = ["年度", "检测机构", "市", "信用分", "信用等级", "计分记录数", "计算时间"]


def _ranking_rows(scores):
    for s in scores.iterator(chunk_size=CHUNK):
        yield [
            s.year,
            s.institution.name,
            s.institution.city.name,
            s.score,
            s.grade,
            len(s.lines),
            timezone.localtime(s.computed_at).strftime("%Y-%m-%d %H:%M"),
        ]


def _province(user) -> None:
    if not user.is_province:
        raise PermissionDenied("信用行为目录和评价规则由省质监总站维护。")


def category_list(request: HttpRequest) -> HttpResponse:
    _province(request.user)
    return render(request, "credit/category_list.html", {"categories": Category.objects.all()})


@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _province(request.user)
    category = get_object_or_404(Category, pk=pk) if pk else None
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        catalogue.save_category(request.user, category, form.cleaned_data, request=request)
        messages.success(request, "信用行为类别已保存。")
        return redirect("credit_category_list")
    context = {"form": form, "category": category}
    return render(request, "credit/category_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest) -> HttpResponse:
    _province(request.user)
    rule = Rule.current()
    form = RuleForm(request.POST or None, instance=Rule.current())
    if request.method == "POST" and form.is_valid():
        catalogue.save_rule(request.user, form.cleaned_data, request=request)
        messages.success(request, "信用评价规则已保存，本年度信用评价已按新规则重新计算。")
        return redirect("credit_rule")
    context = {"form": form, "rule": rule}
    return render(request, "credit/rule_form.html", context, status=400 if form.errors else 200)
