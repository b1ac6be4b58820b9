"""Shared fixtures and hypothesis profiles (HYPOTHESIS_PROFILE=dev|ci)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from policyengine import CompiledPack, load_pack

# Compiled packs are cached on disk between processes; the suite keeps its own cache, removed
# at exit, so that it neither reads nor leaves entries in the user's.
_CACHE = tempfile.mkdtemp(prefix="policyengine-test-cache-")
os.environ.setdefault("POLICYENGINE_CACHE_DIR", _CACHE)
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

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
