"""Proficiency: components, levels, versioned rules, score on a day, snapshots."""
