"""Shared fixtures and hypothesis profiles (HYPOTHESIS_PROFILE=dev|ci)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from policyengine import CompiledPack, load_pack

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def mini() -> CompiledPack:
    """A small pack that uses every section of the format."""
    return load_pack(FIXTURES / "mini.yaml")


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of headless Chromium, installed if need be (tests/browser.py)."""
    from tests.browser import find_or_install

    path, reason = find_or_install()
    if path is None:
        pytest.skip(f"Chromium is not installed and could not be installed: {reason}")
    return path
