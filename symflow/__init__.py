"""symflow: exact and high-precision checks of Chen & Muñoz Ewald, *Gradient flow in parameter
space is equivalent to linear interpolation in output space* (arXiv 2408.01517).

Data flows one way: network → problem → Jacobian/NTK → vector fields → time change →
integration → claims → reports → CLI. See ``THEORY.md`` (claims C1–C10) and the README.
"""

from .activations import ACTIVATIONS, Activation, get_activation
from .errors import (ActivationError, ArchitectureError, ClaimError, DataError, DomainError,
                     IntegrationError, LabelError, LevelError, LossError, ParameterError,
                     PrecisionError, RankError, SymflowError)
from .evidence import Evidence, Level, Status, Verdict
from .fields import (CompiledField, output_field, output_field_closed_form, parameter_field,
                     symbolic_field)
from .linalg import Mat, RankInfo, pinv, projector, rank_info
from .losses import CrossEntropy, L2, get_loss
from .networks import MLP, mlp
from .problem import PointData, Problem, random_rational_point
from .timechange import Derivation, derive_time_change
from .flows import Trajectory, integrate
from .arith import working_precision
from . import flows, problems, claims  # noqa: E402  (the flows, the catalogue and the claims, as sf.flows / sf.problems / sf.claims)

__version__ = "0.1.0"

__all__ = [
    # submodules
    "flows", "problems", "claims",
    # networks and problems
    "mlp", "MLP", "Activation", "ACTIVATIONS", "get_activation",
    "Problem", "PointData", "random_rational_point", "L2", "CrossEntropy", "get_loss",
    # linear algebra and fields
    "Mat", "RankInfo", "rank_info", "pinv", "projector", "working_precision",
    "parameter_field", "output_field", "output_field_closed_form", "symbolic_field",
    "CompiledField",
    # time change
    "Derivation", "derive_time_change",
    # integration
    "integrate", "Trajectory",
    # verdicts
    "Level", "Status", "Evidence", "Verdict",
    # errors
    "SymflowError", "ArchitectureError", "ActivationError", "DataError", "LabelError",
    "LossError", "ParameterError", "LevelError", "RankError", "IntegrationError", "ClaimError",
    "PrecisionError", "DomainError",
]
