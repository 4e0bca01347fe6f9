from django.core.management.base import BaseCommand

from certificates import reminders


class Command(BaseCommand):
    help = (
        "Tell whoever must act on an open application or a 证书收回 due within 2 working days, or overdue "
        "(办理时限), once per event (daily; idempotent)."
    )

    def handle(self, *args, **options):
        looked_at = reminders.sweep()
        self.stdout.write(f"{looked_at} steps due within 2 working days or overdue")
