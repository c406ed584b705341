"""The simulated chain behind `uptake demo`: messy master data and usage events."""
