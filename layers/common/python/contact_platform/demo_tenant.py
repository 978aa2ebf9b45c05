"""The local stack's demo tenant (dev mode): the one `cdp serve` prints and `POST /dev/token` uses by
default. Apart from services/dev_tokens.py so that the local stack names it without importing the
services."""

DEMO_TENANT_ID = "ten_demo"
DEMO_TENANT_NAME = "Demo tenant"
DEMO_ADMIN_ID = "usr_demoadmin"
