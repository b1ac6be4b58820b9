"""policyengine: Chinese e-government IT project regulations as testable YAML policy packs.

>>> from policyengine import evaluate, load_pack
>>> verdict = evaluate({"total_investment": "480000"}, load_pack("wuhan"), stage="approval")
"""

from .errors import EvaluationError as EvaluationError
from .errors import Location as Location
from .errors import PackError as PackError
from .errors import PolicyEngineError as PolicyEngineError
from .errors import ProjectError as ProjectError
from .evaluator import decide as decide
from .evaluator import evaluate as evaluate
from .loader import BUNDLED_PACKS as BUNDLED_PACKS
from .loader import CompiledPack as CompiledPack
from .loader import load_bundled_pack as load_bundled_pack
from .loader import load_pack as load_pack
from .loader import load_packs as load_packs
from .pack import PolicyPack as PolicyPack
from .project import Project as Project
from .verdict import Decisions as Decisions
from .verdict import Finding as Finding
from .verdict import OverallStatus as OverallStatus
from .verdict import StageBasis as StageBasis
from .verdict import Status as Status
from .verdict import Verdict as Verdict
from .vocabulary import Stage as Stage

__version__ = "0.1.0"

__all__ = [
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
