"""numgrader: grade numerical and deep-learning exercises against reference solutions."""

__version__ = "0.1.0"
