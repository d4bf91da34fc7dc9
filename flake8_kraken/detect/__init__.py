"""Detectors: read the model of a module and state facts (calls, credentials, unresolved places).

They never decide what is wrong: the rules (rules/) do, under the path's policy.
"""
