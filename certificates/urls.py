from django.urls import path

import institutions.converters  # noqa: F401  (registers <module:…>)

from .views import changes, delivery, public, registry

urlpatterns = [
    path("changes/transfers/", changes.transfer_list, name="transfer_list"),
    path("changes/transfers/new/", changes.transfer_new, name="transfer_new"),
    path("changes/reissues/", changes.reissue_list, name="reissue_list"),
    path("changes/reissues/new/", changes.reissue_new, name="reissue_new"),
    path("changes/cancellations/", changes.cancellation_list, name="cancellation_list"),
    path("changes/cancellations/new/", changes.cancellation_new, name="cancellation_new"),
    path("m/<module:module>/certificates/", registry.certificate_list, name="certificate_list"),
    path("certificates/<int:pk>/revoke/", registry.certificate_revoke, name="certificate_revoke"),
    path("printing/", delivery.print_queue, name="print_queue"),
    path("printing/pdf/", delivery.print_pdf, name="print_pdf"),
    path("printing/batch/", delivery.print_batch, name="print_batch"),
    path("printing/mark-printed/", delivery.mark_printed, name="print_mark_printed"),
    path("printing/send/", delivery.send, name="print_send"),
    path("deliveries/", delivery.delivery_list, name="delivery_list"),
    path("deliveries/<int:pk>/deliver/", delivery.deliver, name="print_deliver"),
    path("recoveries/", delivery.recovery_list, name="recovery_list"),
    path("recoveries/<int:pk>/mail/", delivery.recovery_mail, name="recovery_mail"),
    path("recoveries/<int:pk>/recover/", delivery.recovery_recover, name="recovery_recover"),
    path("announcements/", public.announcement_list, name="announcement_list"),
    path("verify/", public.verify, name="verify"),
    path("verify/qr/<str:token>/", public.verify_qr, name="verify_qr"),
]
