"""Lingkar benchmarks: ``python -m bench.run``."""
