"""contact_platform: the shared package of the contact-data platform, shipped as a Lambda layer."""
