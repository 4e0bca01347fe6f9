from django.conf import settings
from django.core.management.base import BaseCommand

from notices.tasks import send_digests


class Command(BaseCommand):
    help = "Queue the daily e-mail digest of messages for the job worker (only when EMAIL_HOST is set)."

    def handle(self, *args, **options):
        if not settings.EMAIL_HOST:
            self.stdout.write("EMAIL_HOST is not set: no digest.")
            return
        send_digests.enqueue()
        self.stdout.write("digest queued")
