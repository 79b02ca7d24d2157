"""cqdlab-agent: watch instrument folders, queue new files on disk, upload them to cqdlab."""

from .agent import Agent
from .config import Config, ConfigError, Rule, load_config

__all__ = ["Agent", "Config", "ConfigError", "Rule", "load_config"]
__version__ = "0.1.0"
