"""Settings for bench/pages.py: the product's own, plus the admin (a reference page) and bench/urls.py."""

from jiance.settings import *  # noqa: F403
from jiance.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.admin"]
ROOT_URLCONF = "bench.urls"
