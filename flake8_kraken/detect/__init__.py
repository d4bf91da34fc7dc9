"""Detectors: LibCST visitors that turn code into Calls, Problems and Unresolved places.

Every detector is a BatchableCSTVisitor so that a file is walked once for all of them.
"""
