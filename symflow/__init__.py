"""symflow: exact and high-precision checks of Chen & Muñoz Ewald, *Gradient flow in parameter
space is equivalent to linear interpolation in output space* (arXiv 2408.01517).

Data flows one way: network → problem → Jacobian/NTK → vector fields → time change →
integration → claims → reports → CLI. The package is layered along it: ``backends`` (one per
arithmetic level) → ``core`` (networks, losses, problems, fields) → ``flows`` → ``reference`` →
``testing`` → ``claims`` → reports and CLI; see ``docs/architecture.md`` and ``docs/theory.md``.
"""

from .core.activations import ACTIVATIONS, Activation, get_activation
from .errors import (ActivationError, ArchitectureError, ClaimError, DataError, DomainError,
                     ExpressionError, IntegrationError, LabelError, LevelError, LossError,
                     ParameterError, PrecisionError, RankError, SymflowError)
from .claims.evidence import Evidence, Level, Status, Verdict
from .core.fields import (CompiledField, output_field, output_field_closed_form, parameter_field,
                     symbolic_field)
from .backends.linalg import Mat, RankInfo, pinv, projector, rank_info
from .core.losses import CrossEntropy, L2, get_loss
from .core.networks import MLP, mlp
from .core.models import Model, model
from .core.problem import PointData, Problem, random_rational_point
from .core.problems import entry_for
from .core.parsing import parse_expression
from .core.problemfile import ProblemFileError, load_problem_file
from .core.timechange import Derivation, derive_time_change
from .flows import FlowEnclosure, Trajectory, enclose, integrate
from .backends.arith import working_precision
from . import backends, core, flows, claims  # noqa: E402
from .core import problems, blocks  # noqa: E402  (the catalogue and building blocks)

__version__ = "0.2.0"

__all__ = [
    # submodules
    "backends", "core", "flows", "problems", "claims", "blocks",
    # networks and problems
    "mlp", "MLP", "model", "Model", "Activation", "ACTIVATIONS", "get_activation",
    "Problem", "PointData", "random_rational_point", "L2", "CrossEntropy", "get_loss",
    # problems of one's own
    "entry_for", "load_problem_file", "parse_expression",
    # linear algebra and fields
    "Mat", "RankInfo", "rank_info", "pinv", "projector", "working_precision",
    "parameter_field", "output_field", "output_field_closed_form", "symbolic_field",
    "CompiledField",
    # time change
    "Derivation", "derive_time_change",
    # integration, certified enclosures
    "integrate", "Trajectory", "enclose", "FlowEnclosure",
    # verdicts
    "Level", "Status", "Evidence", "Verdict",
    # errors
    "SymflowError", "ArchitectureError", "ActivationError", "DataError", "LabelError",
    "LossError", "ParameterError", "LevelError", "RankError", "IntegrationError", "ClaimError",
    "PrecisionError", "DomainError", "ExpressionError", "ProblemFileError",
]
