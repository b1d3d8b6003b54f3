"""Trained weights (weights.npz, float16 arrays read with allow_pickle=False) and metadata
(model.json) of the tier-2 classifier, shipped as package data; written by the lab
(`python -m aisec_lab train`), read by `classifier.Tier2Model.load()`."""
