"""Arithmetic levels: scalars, matrices, rank / pseudo-inverse / projector and tolerance rules.

One backend per level (exact rationals, Arb balls, mpmath, float64); everything above this
package asks the backend of a level instead of branching on the level.
"""
