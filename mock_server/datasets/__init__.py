"""Data sets: fixture files and the generated bundled world.

Uses the request path; the request path never imports data sets.
"""
