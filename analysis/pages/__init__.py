"""The analysis pages, one module per page; analysis/urls.py maps them.

A page reads through selectors, computes through dashboards and compute, draws through figure
builders (or the kinds' page figures), and renders: no query is written here.
"""
