"""The mathematics of one problem: activations, networks x[θ], losses C(x), the problem
(network + data + loss), its Jacobian D and NTK DDᵀ, the vector fields and the time change.

Everything here is level-generic: scalars and matrices come from :mod:`symflow.backends`.
"""
