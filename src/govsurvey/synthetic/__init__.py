"""Synthetic surveys from documented population models (population.py), written in every
export format ingest reads (exports.py). For tests, benchmarks and the shipped example data."""
