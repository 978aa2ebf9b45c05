"""The store: pynamodb models and repositories, the ONLY code that talks to DynamoDB.

One table (`table.py`): `PK`/`SK`, generic indexes GSI1..GSI5 (`GSI<n>PK`/`GSI<n>SK`, all attributes
projected), TTL on `expiresAt`. Every tenant-owned partition key starts with `TENANT#<tenantId>#`.
`<ts>` is an ISO 8601 UTC timestamp with milliseconds, so keys sort by time.

Items and keys (module)                       PK / SK                                         indexes
- tenant (tenants)                             TENANT#t#PROFILE / TENANT
- user (tenants)                               TENANT#t#USER#u / USER                          GSI1 TENANT#t#USERS / <ts>#u
- user email guard (tenants)                   TENANT#t#USEREMAIL#<email> / GUARD
- API key record (api_keys)                    TENANT#t#APIKEY#k / APIKEY                      GSI1 TENANT#t#APIKEYS / <ts>#k
- API key lookup (api_keys, global)            APIKEYHASH#<sha256> / LOOKUP
- contact, active (contacts)                   TENANT#t#CONTACT#c / CONTACT                    GSI1 TENANT#t#CONTACTS / <createdAt>#c
                                                                                               GSI2 TENANT#t#CONTACTS / <updatedAt>#c
                                                                                               GSI3 TENANT#t#CONTACTS / <lastNameKey>#c
                                                                                               GSI4 TENANT#t#OWNER#u / <createdAt>#c
                                                                                               GSI5 TENANT#t#ORG#o / <createdAt>#c
- contact, soft-deleted (contacts)             same                                            GSI1 TENANT#t#DELETEDCONTACTS / <deletedAt>#c
- contact email guard (contacts)               TENANT#t#CONTACTEMAIL#<email> / GUARD
- contact search entry (contacts)              TENANT#t#SEARCH#<first 2 chars> / <token>#c
- contact tag assignment (contacts)            TENANT#t#CONTACT#c / TAG#<tag>                  GSI1 TENANT#t#TAG#<tag> / <createdAt>#c
- audit entry (audit)                          TENANT#t#AUDIT#<entityId> / <ts>#a              GSI1 TENANT#t#AUDIT / <ts>#a
- rate-limit window (rate_limits)              TENANT#t#RATE#k / <window start>  (TTL)
- idempotency record (idempotency)             TENANT#t#IDEMPOTENCY / <Powertools key>  (TTL)

Access patterns: get by id (GetItem); list contacts by creation, update time or last name, by owner
or organization (one Query on GSI1..GSI5); by tag (Query on the tag's GSI1 partition, then
BatchGetItem); prefix search (Query `begins_with` on the search partition, then BatchGetItem);
deleted contacts by deletion time (GSI1); audit by entity (its partition) or tenant-wide (GSI1);
authentication by key hash (GetItem). No request path scans. docs/data-model.md has the details.
"""
