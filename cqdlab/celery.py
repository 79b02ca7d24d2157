"""The Celery app. Broker and behaviour come from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cqdlab.settings")

app = Celery("cqdlab")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(**kwargs) -> None:
    """Around each task what Django does around each request: drop a connection that broke
    or outlived DB_CONN_MAX_AGE, keep a healthy one (CELERY_DB_REUSE_MAX stops Celery from
    closing every connection after every task)."""
    task = kwargs.get("task")
    if task is not None and task.request.is_eager:
        return  # in-process (no broker): the caller's connection and transaction, leave them
    close_old_connections()
