"""Benchmarks: one command each, printed as ratios measured side by side in one run."""
