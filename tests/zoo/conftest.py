"""The zoo's tests train tiny models: every test runs with one torch thread."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _one_thread(one_thread: None) -> None:
    """Apply the shared ``one_thread`` fixture to every test of this folder."""
