"""Weights of the adversarial-suffix character model (package data)."""
