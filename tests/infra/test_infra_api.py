"""The stage and what surrounds the routes: API Gateway's own errors in the platform envelope,
throttling, access logs, tracing, log retention and alarms."""

from __future__ import annotations

import json

import pytest

from tests.infra.synthesized import Assembly

pytestmark = pytest.mark.xdist_group("infra")

# ResponseType -> (status, code, message); None keeps the status API Gateway chose.
GATEWAY_ERRORS = {
    "UNAUTHORIZED": ("401", "AUTHENTICATION_FAILED", "Invalid or expired API key"),
    "ACCESS_DENIED": ("403", "INSUFFICIENT_PERMISSIONS", None),
    "MISSING_AUTHENTICATION_TOKEN": ("404", "RESOURCE_NOT_FOUND", "Route not found"),
    "THROTTLED": ("429", "RATE_LIMITED", None),
    "REQUEST_TOO_LARGE": ("413", "PAYLOAD_TOO_LARGE", None),
    "DEFAULT_4XX": (None, "INVALID_REQUEST", None),
    "DEFAULT_5XX": (None, "INTERNAL_ERROR", None),
}


def test_gateway_errors_use_the_platform_envelope(assembly: Assembly) -> None:
    responses = {
        r.properties["ResponseType"]: r.properties for r in assembly.resources("AWS::ApiGateway::GatewayResponse")
    }
    assert set(responses) == set(GATEWAY_ERRORS)
    for response_type, (status, code, message) in GATEWAY_ERRORS.items():
        response = responses[response_type]
        assert response.get("StatusCode") == status, response_type
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert body["success"] is False
        assert body["error"]["code"] == code
        assert body["error"]["message"]
        if message is not None:
            assert body["error"]["message"] == message
        assert body["meta"] == {"requestId": "$context.requestId", "version": "v1"}


def test_stage_is_throttled_traced_and_access_logged_as_json(assembly: Assembly) -> None:
    (stage,) = assembly.resources("AWS::ApiGateway::Stage")
    properties = stage.properties
    assert properties["TracingEnabled"] is True
    (settings,) = properties["MethodSettings"]
    assert (settings["HttpMethod"], settings["ResourcePath"]) == ("*", "/*")
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    assert settings["LoggingLevel"] in {"ERROR", "INFO"}
    log_format = json.loads(properties["AccessLogSetting"]["Format"])
    assert log_format["requestId"] == "$context.requestId"
    log_group = assembly.referenced(stage, properties["AccessLogSetting"]["DestinationArn"], "AWS::Logs::LogGroup")
    assert log_group.properties["RetentionInDays"] > 0

    (plan,) = assembly.resources("AWS::ApiGateway::UsagePlan")
    (api_stage,) = plan.properties["ApiStages"]
    assert assembly.referenced(plan, api_stage["Stage"], stage.type) == stage
    assert plan.properties["Throttle"] == {
        "RateLimit": settings["ThrottlingRateLimit"],
        "BurstLimit": settings["ThrottlingBurstLimit"],
    }


def test_every_function_logs_to_its_own_group_with_retention(assembly: Assembly) -> None:
    functions = assembly.resources("AWS::Lambda::Function")
    groups = {
        assembly.referenced(f, f.properties["LoggingConfig"]["LogGroup"], "AWS::Logs::LogGroup") for f in functions
    }
    assert len(groups) == len(functions)
    assert all(group.properties["RetentionInDays"] > 0 for group in groups)


def test_every_function_and_the_api_alarm_to_the_alarm_topic(assembly: Assembly) -> None:
    (topic,) = assembly.resources("AWS::SNS::Topic")
    alarms = assembly.resources("AWS::CloudWatch::Alarm")
    for alarm in alarms:  # the cleanup's silence alarm notifies on INSUFFICIENT_DATA (infra/observability.py)
        (action,) = alarm.properties.get("AlarmActions") or alarm.properties["InsufficientDataActions"]
        assert assembly.referenced(alarm, action, topic.type) == topic
    watched = {
        assembly.referenced(alarm, alarm.properties["Dimensions"][0]["Value"], "AWS::Lambda::Function")
        for alarm in alarms
        if alarm.properties.get("MetricName") == "Errors"
    }
    assert watched == set(assembly.resources("AWS::Lambda::Function"))
    (server_errors,) = [a for a in alarms if a.properties.get("MetricName") == "5XXError"]
    assert server_errors.properties["Namespace"] == "AWS/ApiGateway"
    assert topic.properties["KmsMasterKeyId"]
