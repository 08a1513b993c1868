"""Duties: one package per duty family, each a plugin found through the
``righthand.duties`` entry-point group (built-in and third-party alike)."""
