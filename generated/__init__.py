"""Code generated from openapi/ by `make generate`. Do not edit."""
