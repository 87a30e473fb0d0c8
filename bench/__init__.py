"""Benchmarks (not shipped): ``make bench``."""
