from django.urls import path

from .views import evaluation, public, records

urlpatterns = [
    path("credit/records/", records.record_list, name="credit_record_list"),
    path("credit/records/new/", records.record_new, name="credit_record_new"),
    path("credit/records/<int:pk>/appeal/", records.appeal_new, name="credit_appeal_new"),
    path("credit/scores/<int:pk>/", records.score_detail, name="credit_score_detail"),
    path("credit/ranking/", evaluation.ranking, name="credit_ranking"),
    path("credit/categories/", evaluation.category_list, name="credit_category_list"),
    path("credit/categories/new/", evaluation.category_edit, name="credit_category_new"),
    path("credit/categories/<int:pk>/", evaluation.category_edit, name="credit_category_edit"),
    path("credit/rule/", evaluation.rule_edit, name="credit_rule"),
    path("credit/public/", public.public_list, name="credit_public_list"),
    path("credit/public/person/", public.public_person, name="credit_public_person"),
]
