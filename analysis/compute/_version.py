"""Version of the analysis code, stored with every computed result."""

ANALYSIS_VERSION = "1.0.0"
