"""The store: pynamodb models and repositories, the ONLY code that talks to DynamoDB.

One table (`table.py`): `PK`/`SK`, generic indexes GSI1..GSI7 (`GSI<n>PK`/`GSI<n>SK`, all attributes
projected), TTL on `expiresAt`. Every tenant-owned partition key starts with `TENANT#<tenantId>#`
(written `T#` below); `<ts>` is an ISO 8601 UTC timestamp with milliseconds, so keys sort by time.

item (module)             PK / SK                            indexes
tenant (tenants)          T#PROFILE / TENANT
user (tenants)            T#USER#u / USER                    GSI1 T#USERS / <ts>#u
user email guard          T#USEREMAIL#<email> / GUARD
API key (api_keys)        T#APIKEY#k / APIKEY                GSI1 T#APIKEYS / <ts>#k
API key lookup (global)   APIKEYHASH#<sha256> / LOOKUP       (+ the key's rate-limit window)
token window (global)     TOKENSUB#<t>#<u> / WINDOW          (a JWT subject's rate-limit window; TTL)
token client (global)     TOKENCLIENT#<clientId> / CLIENT    (a Cognito app client's tenant and user)
supreme flag (platform)   PLATFORM / SUPREME#<userId>
contact (contacts)        T#CONTACT#c / CONTACT              active:  GSI1 T#CONTACTS / <createdAt>#c,
                                                             GSI2 T#CONTACTS / <updatedAt>#c,
                                                             GSI3 T#CONTACTS / <lastNameKey>#c,
                                                             GSI4 T#OWNER#u / <createdAt>#c,
                                                             GSI5 T#ORG#o / <createdAt>#c;
                                                             deleted: GSI1 T#DELETEDCONTACTS / <deletedAt>#c
contact email guard       T#CONTACTEMAIL#<email> / GUARD
contact search entry      T#SEARCH#<2 chars> / <token>#c
contact tag assignment    T#CONTACT#c / TAG#<tag>            GSI1 T#TAG#<tag> / <createdAt>#c
webhook (webhooks)        T#WEBHOOK#wh / WEBHOOK             GSI1 T#WEBHOOKS / <createdAt>#wh
webhook tally (webhooks)  T#WEBHOOKTALLY / WEBHOOKS          (the count that keeps 25 at most)
audit entry (audit)       T#AUDIT#<entityId> / <ts>#a        GSI1 T#AUDIT / <ts>#a
idempotency record        T#IDEMPOTENCY / <Powertools key>   (TTL)
metric totals (metrics)   METRICS / TOTALS                   (AWS only: GET /metrics' folded CloudWatch sums)

Access patterns: get by id (GetItem); list contacts by creation, update time or last name, by owner
or organization (one Query on GSI1..GSI5); by tag (Query on the tag's GSI1 partition, then
BatchGetItem); prefix search (Query `begins_with` on the search partition, then BatchGetItem);
deleted contacts by deletion time (GSI1); audit by entity (its partition) or tenant-wide (GSI1);
authentication by key hash, counting the request in the same UpdateItem; a job plan's contact IDs
from the same indexes, projected to the ID and the filter's attributes, and an export chunk's
contacts, projected to its columns (contact_reads). No request path scans. docs/data-model.md has
the details.
"""
