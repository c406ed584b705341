"""The JSON API under /api/v1: thin blueprints and their marshmallow schemas."""
