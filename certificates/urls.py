from django.urls import path

from .views import public, transfer

urlpatterns = [
    path("changes/transfers/", transfer.transfer_list, name="transfer_list"),
    path("changes/transfers/new/", transfer.transfer_new, name="transfer_new"),
    path("changes/reissues/", transfer.reissue_list, name="reissue_list"),
    path("changes/cancellations/", transfer.cancellation_list, name="cancellation_list"),
    path("announcements/", public.announcement_list, name="announcement_list"),
]
