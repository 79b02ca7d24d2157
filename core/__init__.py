"""Shared plumbing of cqdlab: projects and roles, scoping, API base classes, small helpers.

It knows no domain app (fabrication, measurements, analysis): they build on it.
"""
