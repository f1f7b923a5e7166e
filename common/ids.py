"""Ids of stored things: a short prefix that says what it is, and 12 random hex characters."""
import uuid


def new_id(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
