"""The bottom layer: settings, domain errors, provider factories and language tools.

Every other package may import this one; it imports none of them.
"""
