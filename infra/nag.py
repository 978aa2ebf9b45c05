"""Suppressing findings with their reasons: cdk-nag's wildcard-resource findings (AwsSolutions-IAM5) exactly,
one resource at a time, and checkov's (`skip_checkov`).

cdk-nag reports a wildcard resource as `AwsSolutions-IAM5[Resource::<flattened ARN>]` and accepts only an
acknowledgment of that exact id. The ARNs acknowledged here are built from names and pseudo parameters
(no cross-stack references), so they resolve the same at construction time as when cdk-nag reads them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct

# Why no method of the API uses a Cognito user pool authorizer (AwsSolutions-COG4).
API_KEYS_NOT_COGNITO = Acknowledgment(
    id="AwsSolutions-COG4",
    reason="Callers authenticate with platform API keys (docs/architecture.md, API conventions), checked by the "
    "Lambda REQUEST authorizer, not with Cognito user pools",
)


def flatten(value: Any) -> str:
    """A resolved CloudFormation value as cdk-nag flattens it (utils/flatten-cfn-reference in cdk-nag)."""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if "Fn::Join" in value:
            delimiter, items = value["Fn::Join"]
            return str(delimiter).join(flatten(item) for item in items)
        if "Fn::Sub" in value:
            return flatten(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{flatten(resource)}.{flatten(attribute)}>"
        if "Fn::ImportValue" in value:
            return flatten(value["Fn::ImportValue"])
        if "Ref" in value:
            return f"<{flatten(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))


def wildcard_finding(scope: IConstruct, resource: str) -> str:
    """The IAM5 rule id cdk-nag reports for `resource` (an ARN with a `*`) granted in `scope`'s stack."""
    return f"AwsSolutions-IAM5[Resource::{flatten(Stack.of(scope).resolve(resource))}]"


def acknowledge_wildcard(scope: IConstruct, resource: str, reason: str) -> None:
    """Acknowledge the IAM5 finding for `resource` on `scope` (a role: its policies are its children)."""
    Validations.of(scope).acknowledge(Acknowledgment(id=wildcard_finding(scope, resource), reason=reason))


def skip_checkov(scope: IConstruct, reasons: Mapping[str, str]) -> None:
    """Suppress checkov's findings `reasons` (check id -> why it does not apply) on `scope`'s CloudFormation
    resource (`scope` itself or its default child), as the `Metadata.checkov.skip` list checkov reads."""
    resource = scope if isinstance(scope, CfnResource) else scope.node.default_child
    assert isinstance(resource, CfnResource), f"{scope.node.path}: no CloudFormation resource to annotate"
    skips = (resource.get_metadata("checkov") or {}).get("skip", [])
    resource.add_metadata(
        "checkov", {"skip": [*skips, *({"id": check, "comment": reason} for check, reason in reasons.items())]}
    )
