"""HTTP concerns: the endpoint factory, envelope, error mapping, caller context, rate limit, idempotency."""
