"""Lambda entry points only: each module parses, calls one service function and returns its result."""
