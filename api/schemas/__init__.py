"""Marshmallow schemas: the wire shape of every resource, shared by the JSON API and the CLI's JSON
output (the same object dumps the same way through either front door)."""
