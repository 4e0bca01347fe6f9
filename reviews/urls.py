from django.urls import path

import jiance.converters  # noqa: F401  (registers <module:…>)

from .views import attachments, queues, requests

urlpatterns = [
    path("m/<module:module>/review/<slug:type>/", queues.review_queue, name="review_queue"),
    path("requests/<int:pk>/", requests.request_detail, name="request_detail"),
    path("requests/<int:pk>/decide/", requests.request_decide, name="request_decide"),
    path("requests/<int:pk>/withdraw/", requests.request_withdraw, name="request_withdraw"),
    path("requests/<int:pk>/accept/", requests.request_accept, name="request_accept"),
    path("requests/<int:pk>/refuse/", requests.request_refuse, name="request_refuse"),
    path("requests/<int:pk>/resubmit/", requests.request_resubmit, name="request_resubmit"),
    path("attachments/<int:pk>/", attachments.attachment_download, name="attachment_download"),
]
