from django.urls import path

import institutions.converters  # noqa: F401  (registers <module:…>)

from .views import applications, attachments, queues, staging

urlpatterns = [
    path("m/<module:module>/review/<slug:type>/", queues.review_queue, name="review_queue"),
    path("applications/<int:pk>/", applications.application_detail, name="application_detail"),
    path("applications/<int:pk>/decide/", applications.application_decide, name="application_decide"),
    path("applications/<int:pk>/withdraw/", applications.application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/accept/", applications.application_accept, name="application_accept"),
    path("applications/<int:pk>/refuse/", applications.application_refuse, name="application_refuse"),
    path("applications/<int:pk>/resubmit/", applications.application_resubmit, name="application_resubmit"),
    path(
        "applications/<int:pk>/correct-receipt/",
        applications.application_correct_receipt,
        name="application_correct_receipt",
    ),
    path("attachments/<int:pk>/", attachments.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/thumbnail/", attachments.attachment_thumbnail, name="attachment_thumbnail"),
    path("uploads/", staging.upload_stage, name="upload_stage"),
    path("uploads/<str:token>/discard/", staging.upload_discard, name="upload_discard"),
]
