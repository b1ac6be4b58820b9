"""The public API is small and deliberate: this list changes only on purpose."""

from __future__ import annotations

from decimal import Decimal

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
        "StageBasis",
        "Status",
        "Verdict",
        "__version__",
        "decide",
        "evaluate",
        "load_bundled_pack",
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


def test_testing_module_exports_the_hypothesis_strategies() -> None:
    from hypothesis import given, settings

    from policyengine import Project, load_pack, strategies, testing

    assert testing.boundary_values is strategies.boundary_values
    wuhan = load_pack("wuhan")
    assert testing.boundary_values(wuhan.thresholds["approval_threshold"]) == (
        Decimal("499999.99"),
        Decimal("500000"),
        Decimal("500000.01"),
    )

    @settings(max_examples=10)
    @given(testing.projects(testing.amounts_near(wuhan)))
    def check(project: Project) -> None:
        assert isinstance(project, Project)

    check()


def test_a_threshold_is_read_whole_by_name_and_as_a_number_from_thresholds() -> None:
    import pytest

    from policyengine.pack import Threshold

    zhanggong = policyengine.load_pack("zhanggong")
    city = zhanggong.threshold("city_threshold")
    assert isinstance(city, Threshold)
    assert city is zhanggong.spec.thresholds["city_threshold"]
    assert city.value == zhanggong.thresholds["city_threshold"] == Decimal(2000000)
    assert city.citation.article
    with pytest.raises(
        KeyError, match=r"no threshold 'city_treshold'.*did you mean 'city_threshold'"
    ):
        zhanggong.threshold("city_treshold")


def test_testing_offers_every_strategy_the_strategies_module_exports() -> None:
    # policyengine.testing names them itself, so that importing it does not import hypothesis.
    from policyengine import strategies, testing

    assert set(testing._STRATEGIES) == set(strategies.__all__)
    assert all(getattr(testing, name) is getattr(strategies, name) for name in strategies.__all__)
