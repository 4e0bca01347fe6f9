"""Pages showing personal data (names, ID numbers, scans) are kept by no browser or shared cache."""

from django.views.decorators.cache import cache_control

# Decorator for such a view: ``Cache-Control: no-store, private``.
personal_data = cache_control(no_store=True, private=True)
