"""The Pulumi engine's side of a component provider's Construct, served over gRPC from the test's
process: the resource monitor the provider registers the component's resources with, and the
engine it logs to. The monitor answers each registration and call as tests/pulumi/mocks.py does
(ARNs in AWS's formats, the caller's account and region) and records what it was sent, as sent:
camelCase names, numbers as floats, a secret as Pulumi's secret object.

Like Pulumi's own MockMonitor, the monitor says it takes no output values (an input arrives as
its value, not wrapped with its dependencies); a resource reference is answered with the
resource's id, as the engine hands one to a provider that takes none.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
import pulumi
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)

from tests.pulumi.mocks import RecordingMocks

SIGNATURE = "4dabf18193072939515e22adb298388d"
RESOURCE_REFERENCE = "5cf8f73096256a8f31e491e813e4eb8e"
MONITOR_FEATURES = [
    resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
    resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
]
FEATURE_NAMES = {"secrets", "resourceReferences", "aliasSpecs", "deletedWith"}


@dataclass(frozen=True)
class Registration:
    """One resource as the provider registered it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: dict[str, Any]


def stack_urn(project: str, stack: str) -> str:
    return f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"


def _without_references(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(SIGNATURE) == RESOURCE_REFERENCE:
            return value.get("id") or value["urn"]
        return {key: _without_references(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_references(item) for item in value]
    return value


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


class RecordingMonitor(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, project: str, stack: str) -> None:
        self.project = project
        self.stack = stack
        self.mocks = RecordingMocks()
        self.registrations: list[Registration] = []

    def _urn(self, parent: str, type_: str, name: str) -> str:
        qualified = type_
        if parent and parent != stack_urn(self.project, self.stack):
            qualified = f"{parent.split('::')[2]}${type_}"
        return f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:
        return resource_pb2.DeploymentInfo(supportedFeatures=MONITOR_FEATURES)

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in FEATURE_NAMES)

    def RegisterResource(self, request: Any, context: Any) -> Any:
        urn = self._urn(request.parent, request.type, request.name)
        inputs = _without_references(json_format.MessageToDict(request.object))
        self.registrations.append(
            Registration(urn, request.type, request.name, request.custom, request.parent, inputs)
        )
        resource_id, outputs = self.mocks.new_resource(
            pulumi.runtime.MockResourceArgs(
                typ=request.type,
                name=request.name,
                inputs=inputs,
                provider=request.provider,
                resource_id=request.importId,
                custom=request.custom,
            )
        )
        return resource_pb2.RegisterResourceResponse(
            urn=urn, id=resource_id or "", object=_struct(outputs)
        )

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    def Invoke(self, request: Any, context: Any) -> Any:
        arguments = json_format.MessageToDict(request.args)
        answer, _ = self.mocks.call(
            pulumi.runtime.MockCallArgs(
                token=request.tok, args=arguments, provider=request.provider
            )
        )
        return resource_pb2.ResourceInvokeResponse(**{"return": _struct(answer)})

    def SignalAndWaitForShutdown(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()


@dataclass
class RecordingEngine(engine_pb2_grpc.EngineServicer):
    project: str
    stack: str
    logged: list[tuple[int, str]] = field(default_factory=list)

    def Log(self, request: Any, context: Any) -> Any:
        self.logged.append((request.severity, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=stack_urn(self.project, self.stack))

    def SetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.SetRootResourceResponse()


@dataclass(frozen=True)
class EngineServers:
    address: str
    monitor: RecordingMonitor
    engine: RecordingEngine


@contextmanager
def engine_servers(project: str, stack: str) -> Iterator[EngineServers]:
    """The monitor and the engine, on one local port, for as long as the block runs."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    monitor = RecordingMonitor(project, stack)
    engine = RecordingEngine(project, stack)
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(monitor, server)
    engine_pb2_grpc.add_EngineServicer_to_server(engine, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield EngineServers(f"127.0.0.1:{port}", monitor, engine)
    finally:
        server.stop(grace=None)
