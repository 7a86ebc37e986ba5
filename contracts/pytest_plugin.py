"""pytest plugin (entry point `flowmock`): fixtures for testing against a flowmock server."""
from __future__ import annotations
