"""The route table drives the API: one function and one method per route, the authorizer on every
non-public method, invocation rights scoped to the route, dev-only routes only in dev mode, and on
every path an `ANY` method answering 405 for the methods it does not take."""

from __future__ import annotations

import re

import pytest

from contact_platform import config
from contact_platform.route import Route
from contact_platform.routes import AUTHORIZER_HANDLER, ROUTES, UNKNOWN_PATH, UNROUTED_HANDLER, public_path
from contact_platform.workflows import TRIGGERS, WORKFLOWS
from infra.api import STAGE_NAME
from infra.identity import TOKEN_CLAIMS_HANDLER
from infra.settings import DEFAULTS, REPO_ROOT
from tests.infra.synthesized import Assembly, Found

pytestmark = pytest.mark.xdist_group("infra")

ROUTES_BY_HANDLER = {route.handler: route for route in ROUTES}
JOB_HANDLERS = {step.handler for workflow in WORKFLOWS for step in workflow.steps} | {t.handler for t in TRIGGERS}


def functions_by_handler(assembly: Assembly) -> dict[str, Found]:
    functions = assembly.resources("AWS::Lambda::Function")
    by_handler = {function.properties["Handler"]: function for function in functions}
    assert len(by_handler) == len(functions), "two functions share a handler"
    return by_handler


def route_of(assembly: Assembly, method: Found) -> Route:
    return ROUTES_BY_HANDLER[assembly.function_of(method).properties["Handler"]]


def route_methods(assembly: Assembly) -> list[Found]:
    """The methods of the routes: not the `ANY` of each path (infra/unrouted.py)."""
    return [m for m in assembly.resources("AWS::ApiGateway::Method") if m.properties["HttpMethod"] != "ANY"]


API_HANDLERS = {AUTHORIZER_HANDLER, TOKEN_CLAIMS_HANDLER, UNROUTED_HANDLER}


def test_one_function_per_route_plus_the_authorizer_the_405_and_the_job_functions(assembly: Assembly) -> None:
    handlers = functions_by_handler(assembly)
    assert len(handlers) == len(ROUTES) + len(API_HANDLERS) + len(JOB_HANDLERS)
    assert set(handlers) == {route.handler for route in ROUTES} | API_HANDLERS | JOB_HANDLERS


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_route_has_a_handler_module_and_its_function(assembly: Assembly, route: Route) -> None:
    assert REPO_ROOT.joinpath(*route.handler_module.split(".")).with_suffix(".py").is_file()
    function = functions_by_handler(assembly)[route.handler]
    assert function.properties["Runtime"] == "python3.12"
    assert function.properties["Architectures"] == ["arm64"]
    assert function.properties["TracingConfig"] == {"Mode": "Active"}
    assert function.properties["Environment"]["Variables"]["DEV_MODE"] == "true"


def test_all_functions_share_one_code_asset_and_one_layer_asset(assembly: Assembly) -> None:
    functions = assembly.resources("AWS::Lambda::Function")
    assert len({function.properties["Code"]["S3Key"] for function in functions}) == 1
    layers = {assembly.referenced(f, f.properties["Layers"], "AWS::Lambda::LayerVersion") for f in functions}
    # A layer version per stack with functions (the API, the jobs, the webhooks), published from the same build.
    assert len(layers) == 3
    assert len({layer.properties["Content"]["S3Key"] for layer in layers}) == 1
    for layer in layers:
        assert layer.properties["CompatibleArchitectures"] == ["arm64"]
        assert layer.properties["CompatibleRuntimes"] == ["python3.12"]


def test_every_route_is_a_method_on_its_path_invoking_its_function(assembly: Assembly) -> None:
    methods = route_methods(assembly)
    wired = {
        assembly.function_of(method).properties["Handler"]: (method.properties["HttpMethod"], assembly.path_of(method))
        for method in methods
    }
    assert len(wired) == len(methods)
    assert wired == {route.handler: (route.method, route.path) for route in ROUTES}
    assert {method.properties["Integration"]["Type"] for method in methods} == {"AWS_PROXY"}


def test_authenticated_methods_use_the_request_authorizer_and_public_ones_none(assembly: Assembly) -> None:
    assert any(route.public for route in ROUTES) and not all(route.public for route in ROUTES)
    for method in route_methods(assembly):
        route = route_of(assembly, method)
        authorizer = assembly.authorizer_of(method)
        if route.public:
            assert method.properties["AuthorizationType"] == "NONE", route.name
            assert authorizer is None, route.name
        else:
            assert method.properties["AuthorizationType"] == "CUSTOM", route.name
            assert authorizer is not None and authorizer.properties["Type"] == "REQUEST", route.name


def test_every_path_has_an_any_method_answering_405_behind_the_same_authorizer(assembly: Assembly) -> None:
    """A method a path does not take reaches the 405 function, not API Gateway's 403 "Missing
    Authentication Token" (which would read as 404 "Route not found"): one `ANY` per path, keyed
    unless every route of the path is public, and a public `/{proxy+}` for the paths the API does not
    have (404 naming the one likely meant); the function invocable for this stage only."""
    anys = [m for m in assembly.resources("AWS::ApiGateway::Method") if m.properties["HttpMethod"] == "ANY"]
    by_path = {assembly.path_of(method): method for method in anys}
    assert len(by_path) == len(anys) and set(by_path) == {route.path for route in ROUTES} | {UNKNOWN_PATH}
    (function,) = {assembly.function_of(method) for method in anys}
    assert function.properties["Handler"] == UNROUTED_HANDLER
    for path, method in by_path.items():
        assert method.properties["Integration"]["Type"] == "AWS_PROXY", path
        keyed = path != UNKNOWN_PATH and not public_path(path)  # a path the API does not have: 404, no key
        assert method.properties["AuthorizationType"] == ("CUSTOM" if keyed else "NONE"), path
        assert (assembly.authorizer_of(method) is not None) is keyed, path
    permissions = [
        p
        for p in assembly.resources("AWS::Lambda::Permission")
        if assembly.referenced(p, p.properties["FunctionName"], function.type) == function
    ]
    assert [p.properties["SourceArn"]["Fn::Join"][1][-1] for p in permissions] == [f"/{STAGE_NAME}/*/*"]


def test_authorizer_reads_either_header_so_the_gateway_cache_is_off(assembly: Assembly) -> None:
    """No cache anywhere: the authorizer counts every request in its key's rate-limit window (it has the
    window's length; the route functions take the count from its context)."""
    (authorizer,) = assembly.resources("AWS::ApiGateway::Authorizer")
    assert authorizer.properties["AuthorizerResultTtlInSeconds"] == 0
    assert not authorizer.properties.get("IdentitySource")
    function = assembly.referenced(authorizer, authorizer.properties["AuthorizerUri"], "AWS::Lambda::Function")
    assert function.properties["Handler"] == AUTHORIZER_HANDLER
    variables = function.properties["Environment"]["Variables"]
    assert variables[config.ENV_RATE_WINDOW] == str(DEFAULTS["rateLimitWindowSeconds"])
    assert not any("CACHE" in name for name in variables)


def test_api_gateway_may_invoke_a_route_function_only_for_its_method_and_path(assembly: Assembly) -> None:
    permissions = assembly.resources("AWS::Lambda::Permission")
    for route in ROUTES:
        function = functions_by_handler(assembly)[route.handler]
        (permission,) = [
            p for p in permissions if assembly.referenced(p, p.properties["FunctionName"], function.type) == function
        ]
        assert permission.properties["Principal"] == "apigateway.amazonaws.com"
        arn_path = re.sub(r"\{[^}]+\}", "*", route.path)
        assert permission.properties["SourceArn"]["Fn::Join"][1][-1] == f"/{STAGE_NAME}/{route.method}{arn_path}"


def test_without_dev_mode_the_dev_only_routes_are_left_out(production_assembly: Assembly) -> None:
    dev_only = [route for route in ROUTES if route.dev_only]
    assert dev_only, "the route table has no dev-only route left: this test checks nothing"
    handlers = functions_by_handler(production_assembly)
    expected = {route.handler for route in ROUTES if not route.dev_only} | API_HANDLERS | JOB_HANDLERS
    assert set(handlers) == expected
    paths = {production_assembly.path_of(method) for method in production_assembly.resources("AWS::ApiGateway::Method")}
    assert not paths & {route.path for route in dev_only}
    assert {f.properties["Environment"]["Variables"]["DEV_MODE"] for f in handlers.values()} == {"false"}
