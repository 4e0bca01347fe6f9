"""gunicorn settings for jiance (``gunicorn -c deploy/gunicorn.conf.py jiance.wsgi:application``).

Every value can be overridden from the environment (the systemd unit reads /etc/jiance/jiance.env).
- Graceful restart (an upgrade): ``systemctl reload jiance`` sends HUP: new workers start with the new
  code, old ones finish the requests they hold (up to ``graceful_timeout``) and exit.
- ``timeout`` (60 s) stays above the slowest storage call (two tries of S3_CONNECT_TIMEOUT +
  S3_READ_TIMEOUT = 26 s by default) and below nginx's ``proxy_read_timeout`` (75 s), so a hung bucket
  answers with the app's 503 page, never a killed worker and nginx's 502.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = 75  # nginx keeps upstream connections open (keepalive in the upstream block)
# A worker is replaced after this many requests (jitter: not all at once), bounding any slow leak.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = max_requests // 10
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # heartbeat files off the disk
# Access log on stdout (journald); the request id ties a line to the app's JSON log lines.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
errorlog = "-"
# Trust X-Forwarded-* only from the proxy on this host (or the one listed).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "jiance"
