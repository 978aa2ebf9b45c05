"""HTTP concerns: the endpoint factory, envelope, error mapping, caller context, cursors, rate limit, idempotency."""
