"""Errors of the contract harness.

    ContractError                 base of every harness error
    ├── ContractConfigError       bad options: unknown check or phase, no spec, bad URL
    └── ContractFailed            a run found failures (AssertionError too, for pytest)
"""
from __future__ import annotations


class ContractError(Exception):
    """Base of every error the contract harness raises."""


class ContractConfigError(ContractError):
    """The options of a contract run are invalid."""


class ContractFailed(ContractError, AssertionError):
    """A contract run found failures; the message is the human report."""
