"""The synthesized cloud assembly, read back from its directory: every template (nested ones included)
and the links tests follow: a nested stack's parameters to what its parent passes, a method to its
function, path and authorizer, a function to the statements of its role.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.app import build_app

Json = dict[str, Any]

# The production assembly's hand-off buckets: context key -> the name of a bucket of another account.
NAMED_HANDOFF_BUCKETS = {
    "scoringBucket": "partner-scoring-inbox",
    "vfScoringBucket": "partner-vf-scoring-inbox",
    "sfmcBucket": "marketing-cloud-drop.example",
}


@dataclass(eq=False)  # compared and hashed by identity: one object per template file
class Template:
    name: str
    body: Json
    parent: Template | None = None
    parameter_values: Json = field(default_factory=dict)  # a nested template's parameters, as its parent sets them

    @property
    def resources(self) -> dict[str, Json]:
        resources: dict[str, Json] = self.body.get("Resources", {})
        return resources


@dataclass(frozen=True)
class Found:
    """One resource and the template it lives in."""

    template: Template
    logical_id: str

    @property
    def body(self) -> Json:
        return self.template.resources[self.logical_id]

    @property
    def type(self) -> str:
        return str(self.body["Type"])

    @property
    def properties(self) -> Json:
        properties: Json = self.body.get("Properties", {})
        return properties


class Assembly:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.templates = {
            path.name: Template(path.name, json.loads(path.read_text()))
            for path in sorted(directory.glob("*.template.json"))
        }
        self._link_nested_templates()

    def _link_nested_templates(self) -> None:
        files: dict[str, Json] = {}
        for manifest in self.directory.glob("*.assets.json"):
            files.update(json.loads(manifest.read_text()).get("files", {}))
        for stack in self.resources("AWS::CloudFormation::Stack"):
            url = json.dumps(stack.properties["TemplateURL"])
            (source,) = [entry["source"]["path"] for digest, entry in files.items() if f"/{digest}.json" in url]
            nested = self.templates[source]
            nested.parent = stack.template
            nested.parameter_values = stack.properties.get("Parameters", {})

    def resources(self, resource_type: str) -> list[Found]:
        return [
            Found(template, logical_id)
            for template in self.templates.values()
            for logical_id, resource in template.resources.items()
            if resource["Type"] == resource_type
        ]

    def targets(self, template: Template, value: Any) -> list[Found]:
        """Every resource a value refers to, through nested-stack parameters and cross-stack outputs."""
        if isinstance(value, list):
            return [found for item in value for found in self.targets(template, item)]
        if not isinstance(value, dict):
            return []
        if set(value) == {"Ref"}:
            name = value["Ref"]
            if name in template.parameter_values:
                assert template.parent is not None
                return self.targets(template.parent, template.parameter_values[name])
            return [Found(template, name)] if name in template.resources else []  # else a pseudo parameter
        if set(value) == {"Fn::GetAtt"}:
            return [Found(template, value["Fn::GetAtt"][0])]
        if set(value) == {"Fn::GetStackOutput"}:
            output = value["Fn::GetStackOutput"]
            producer = self.templates[f"{output['StackName']}.template.json"]
            return self.targets(producer, producer.body["Outputs"][output["OutputName"]]["Value"])
        return [found for item in value.values() for found in self.targets(template, item)]

    def referenced(self, where: Found, value: Any, resource_type: str) -> Found:
        """The one resource of that type a value (of the resource `where`) refers to."""
        (found,) = {found for found in self.targets(where.template, value) if found.type == resource_type}
        return found

    def function_of(self, method: Found) -> Found:
        return self.referenced(method, method.properties["Integration"]["Uri"], "AWS::Lambda::Function")

    def authorizer_of(self, method: Found) -> Found | None:
        authorizer_id = method.properties.get("AuthorizerId")
        return None if authorizer_id is None else self.referenced(method, authorizer_id, "AWS::ApiGateway::Authorizer")

    def path_of(self, method: Found) -> str:
        """`/api/v1/contacts/{contactId}`: the method's resource and its parents up to the API's root."""
        resource = self.referenced(method, method.properties["ResourceId"], "AWS::ApiGateway::Resource")
        parts = []
        while resource.type == "AWS::ApiGateway::Resource":
            parts.append(resource.properties["PathPart"])
            parent = resource.properties["ParentId"]
            if "Fn::GetAtt" in parent:  # the API's RootResourceId
                break
            resource = self.referenced(resource, parent, "AWS::ApiGateway::Resource")
        return "/" + "/".join(reversed(parts))

    def statements_of(self, function: Found) -> list[Json]:
        """Every statement of the function's role's policies."""
        return self.statements_of_role(self.referenced(function, function.properties["Role"], "AWS::IAM::Role"))

    def statements_of_role(self, role: Found) -> list[Json]:
        """Every statement of the role's policies."""
        return [
            statement
            for policy in self.resources("AWS::IAM::Policy")
            if policy.template is role.template and {"Ref": role.logical_id} in policy.properties["Roles"]
            for statement in policy.properties["PolicyDocument"]["Statement"]
        ]


def synthesize(outdir: Path, layer_path: Path, *, dev_mode: bool, context: Json | None = None) -> Assembly:
    """Synthesize into `outdir` (with more `context`, if given). cdk-nag errors, which fail a real synthesis,
    are left in the validation report for the test that reads it, so the other tests still run."""
    context = {
        **(context or {}),
        "devMode": dev_mode,
        "layerPath": str(layer_path),
        "@aws-cdk/core:failSynthOnValidationErrors": False,
    }
    build_app(context, outdir=str(outdir)).synth()
    return Assembly(outdir)


def actions(statement: Json) -> list[str]:
    value = statement["Action"]
    return [value] if isinstance(value, str) else list(value)


def resources_of(statement: Json) -> list[Any]:
    value = statement["Resource"]
    return value if isinstance(value, list) else [value]
