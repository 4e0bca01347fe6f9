from django.core.management.base import BaseCommand

from notices import expiry


class Command(BaseCommand):
    help = "Tell each institution once about its qualifications expiring within 90 days (daily; idempotent)."

    def handle(self, *args, **options):
        looked_at = expiry.sweep()
        self.stdout.write(f"{looked_at} qualifications expiring or expired")
