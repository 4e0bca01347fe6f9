from django.urls import path

from . import views

urlpatterns = [
    path("people/<int:pk>/dossier/", views.person_dossier, name="person_dossier"),
    path("people/<int:pk>/dossier.pdf", views.person_dossier_pdf, name="person_dossier_pdf"),
]
