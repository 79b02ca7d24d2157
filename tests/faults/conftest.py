# The fault tests use the flow tests' real worker fixtures.
from ..flow.conftest import celery_worker_process, flow_media, worker  # noqa: F401
