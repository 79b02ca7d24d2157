"""Python client for cqdlab's REST API: ``Client.login(url, user, password)``."""

from .client import Client
from .errors import CqdlabError
from .routing import device_code_candidates

__all__ = ["Client", "CqdlabError", "device_code_candidates"]
__version__ = "0.1.0"
