"""Hypothesis tooling: strategies over random architectures and the property campaign.

Outside the library's import chain: nothing in core, backends, flows or claims imports it.
"""
