"""Uptake's core domain: events, master data, rollups, adoption metrics and proficiency."""
