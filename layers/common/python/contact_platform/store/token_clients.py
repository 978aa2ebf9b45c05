"""App client registrations (Cognito client credentials): `TOKENCLIENT#<clientId>` / `CLIENT`, the
tenant and user an app client's tokens act for (docs/data-model.md). Written by the operator's
`cdp clients register`, read by the pre-token-generation trigger when Cognito issues a token."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from contact_platform.store import keys
from contact_platform.store.table import Item, get_item

CLIENT_SK = "CLIENT"


class TokenClientItem(Item, discriminator="token-client"):
    client_id = UnicodeAttribute(attr_name="clientId")
    tenant_id = UnicodeAttribute(attr_name="tenantId")
    user_id = UnicodeAttribute(attr_name="userId")
    registered_at = UnicodeAttribute(attr_name="registeredAt")
    registered_by = UnicodeAttribute(attr_name="registeredBy")


def get_client(client_id: str) -> TokenClientItem | None:
    return get_item(TokenClientItem, keys.token_client_pk(client_id), CLIENT_SK)


def put_client(item: TokenClientItem) -> None:
    item.pk, item.sk = keys.token_client_pk(item.client_id), CLIENT_SK
    item.save()


def delete_client(client_id: str) -> bool:
    item = get_client(client_id)
    if item is None:
        return False
    item.delete()
    return True
