"""Webhook delivery building blocks (docs/architecture.md, Webhooks: signing and targets): Standard Webhooks
signatures, SSRF-safe target URLs and one bounded POST to a checked address."""
