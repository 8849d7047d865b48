"""Benchmarks for wakescope: `python -m benchmarks` (see README.md)."""
