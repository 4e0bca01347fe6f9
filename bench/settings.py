"""Settings for bench/pages.py: the product's own, plus the admin (a reference page) and bench/urls.py."""

import os

from jiance.settings import *  # noqa: F403
from jiance.settings import CACHES, INSTALLED_APPS

# bench/pages.py --compare may serve both sizes from one Redis database: each under its own prefix.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("BENCH_CACHE_PREFIX", "")

INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.admin"]
ROOT_URLCONF = "bench.urls"
