"""Selectors are analysis's reads of the database: each is scoped to the user's projects (or to
objects already so scoped) and returns data (model objects, rows, numpy columns), never figures.

``results``: result rows per kind and the API's summaries; ``devices``: first-scan metrics and
groups for the dashboards; ``aging``: stability studies and their series; ``pages``: the other
reads of the pages.
"""
