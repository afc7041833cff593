"""Landrelease: the national record of explosive-ordnance contamination and its release."""

__version__ = "0.1.0"
