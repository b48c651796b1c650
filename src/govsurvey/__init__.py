"""Reproducible pipeline for survey-based community-governance research."""

__version__ = "0.1.0"
