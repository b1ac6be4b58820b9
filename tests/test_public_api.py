"""The public API is small and deliberate: this list changes only on purpose."""

from __future__ import annotations

import policyengine


def test_exported_names() -> None:
    assert sorted(policyengine.__all__) == [
        "BUNDLED_PACKS",
        "CompiledPack",
        "Decisions",
        "EvaluationError",
        "Finding",
        "Location",
        "OverallStatus",
        "PackError",
        "PolicyEngineError",
        "PolicyPack",
        "Project",
        "ProjectError",
        "Stage",
        "Status",
        "Verdict",
        "__version__",
        "decide",
        "evaluate",
        "load_pack",
        "load_packs",
    ]


def test_every_exported_name_exists() -> None:
    for name in policyengine.__all__:
        assert hasattr(policyengine, name), name


def test_error_hierarchy() -> None:
    assert issubclass(policyengine.PackError, policyengine.PolicyEngineError)
    assert issubclass(policyengine.ProjectError, policyengine.PolicyEngineError)
    assert issubclass(policyengine.EvaluationError, policyengine.PolicyEngineError)
