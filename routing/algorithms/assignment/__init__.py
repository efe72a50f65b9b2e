"""Static user-equilibrium traffic assignment (BPR, multi-class): pure functions of arrays.

``assign(network, classes, method="path" | "bfw", stop=StoppingCriterion(gap=1e-5))`` returns an
:class:`AssignmentResult`. Build the network with :meth:`AssignmentNetwork.from_links` (or
:func:`network_from_tntp`), one :class:`TrafficClass` per class of vehicles.
"""

from routing.algorithms.assignment._problem import UnreachableDemand
from routing.algorithms.assignment.from_tntp import (
    class_from_tntp,
    generalized_cost,
    network_from_tntp,
)
from routing.algorithms.assignment.network import AssignmentNetwork, TrafficClass
from routing.algorithms.assignment.result import (
    AssignmentResult,
    PathSet,
    StoppingCriterion,
    relative_gap,
)
from routing.algorithms.assignment.solve import METHODS, Method, assign, warm_up

__all__ = [
    "METHODS",
    "AssignmentNetwork",
    "AssignmentResult",
    "Method",
    "PathSet",
    "StoppingCriterion",
    "TrafficClass",
    "UnreachableDemand",
    "assign",
    "class_from_tntp",
    "generalized_cost",
    "network_from_tntp",
    "relative_gap",
    "warm_up",
]
