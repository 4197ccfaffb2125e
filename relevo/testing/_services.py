"""Tests that need a real service (PostgreSQL, Chromium) skip on a laptop without it, and fail in CI."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

__all__ = ["REQUIRE_SERVICES", "service_missing"]

REQUIRE_SERVICES = "RELEVO_REQUIRE_SERVICES"
"""Set to 1 (``.ci/run`` does) to turn a missing service into a failure instead of a skip."""


def service_missing(reason: str) -> NoReturn:
    """Skip the test because ``reason`` — or fail it when ``RELEVO_REQUIRE_SERVICES=1``: CI must never pass
    by skipping the tests a feature is judged by."""
    if os.environ.get(REQUIRE_SERVICES, "").strip() not in ("", "0"):
        pytest.fail(f"{reason} ({REQUIRE_SERVICES} is set, so this cannot be skipped)", pytrace=False)
    pytest.skip(reason)
