"""Rollout waves and the pilot vs non-pilot comparison (imports adoption, never api)."""
