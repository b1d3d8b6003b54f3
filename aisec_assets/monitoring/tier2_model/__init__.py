"""Trained weights (weights.npz, float16 arrays read with allow_pickle=False) and metadata
(model.json) of the tier-2 classifier; written by
`python -m aisec_assets.monitoring.tier2 train`, read by `tier2.Tier2Model.load()`."""
