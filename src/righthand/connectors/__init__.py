"""Connectors: one module per protocol or service. Only the dispatcher uses the ones that
change the world (see tests/unit/test_architecture.py)."""
