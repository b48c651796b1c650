"""The case analysis: case files of the places the study compares, the cross-case matrix and
what the focal street lacks on each dimension, read against its survey."""
