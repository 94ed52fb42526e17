"""Benchmarks of the unified logging system (``python -m benchmarks``)."""
