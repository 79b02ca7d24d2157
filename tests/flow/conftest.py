"""The flow tests' worker fixtures live in tests/workers.py (registered by tests/conftest.py)."""
