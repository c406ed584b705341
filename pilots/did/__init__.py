"""Staggered difference-in-differences: the panel, its preparation and the estimator."""
