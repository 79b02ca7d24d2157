"""Insights across a project's devices: the parameter table of their lineage, where the spread
of PCE comes from (variance attribution) and what moves it (parameter importance)."""
