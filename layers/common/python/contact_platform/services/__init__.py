"""Business logic per resource; pure rules are plain functions in their own modules."""
