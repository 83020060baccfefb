"""Embeddable GupShup group widgets, a budgeted caching proxy and a local GupShup."""

__version__ = "0.1.0"
