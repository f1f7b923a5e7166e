"""The notification rules, as plain functions: signatures, webhook targets, delivery attempts
and the health of an endpoint. No framework here (tests/test_architecture.py)."""
