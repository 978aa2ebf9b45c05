"""Pydantic request and response models per resource (inputs forbid unknown fields)."""
