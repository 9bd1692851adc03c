"""template.yaml → a stack in the emulator: ``load`` → ``package`` (as ``sam package``) →
``transform`` (samtranslator) → ``prepare_for_moto`` → ``deploy``; ``resolve`` resolves
intrinsics against the stack; SAM-level views (functions, routes)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import logging
import os
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from samcli.yamlhelper import yaml_parse

from .runtime import FunctionSpec, env_strings

log = logging.getLogger("infra.local")


class DeployError(RuntimeError):
    pass


def load(path: Path | str) -> dict[str, Any]:
    """Parse a SAM/CloudFormation YAML (or JSON) template, short-form tags in long form."""
    return yaml_parse(Path(path).read_text(encoding="utf-8"))


def zip_dir(path: Path) -> bytes:
    """Zip a code folder the way ``sam package`` would (no build step: source as is)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in [path] if path.is_file() else sorted(path.rglob("*")):
            rel = Path(p.name) if path.is_file() else p.relative_to(path)
            skip = {"__pycache__", ".pytest_cache", ".mypy_cache", ".git", "tests"} & set(rel.parts)
            if p.is_file() and not skip and p.suffix != ".pyc":
                zf.write(p, rel.as_posix())
    return buf.getvalue()


def package(template: dict[str, Any], root: Path, upload: Callable[[str, bytes], str]) -> dict[str, Any]:
    """A copy of ``template`` with local code locations replaced by ``upload(key, zip)`` URIs."""
    tpl = copy.deepcopy(template)
    cache: dict[str, str] = {}

    def up(uri: Any) -> Any:
        if not isinstance(uri, str) or uri.startswith("s3://"):
            return uri
        if uri not in cache:
            if not (root / uri).exists():
                raise FileNotFoundError(f"code location {uri!r} does not exist under {root}")
            key = re.sub(r"[^A-Za-z0-9._-]+", "-", uri.strip("/")) + ".zip"
            cache[uri] = upload(key, zip_dir((root / uri).resolve()))
        return cache[uri]

    fn_globals = tpl.get("Globals", {}).get("Function", {})
    if "CodeUri" in fn_globals:
        fn_globals["CodeUri"] = up(fn_globals["CodeUri"])
    for res in tpl.get("Resources", {}).values():
        props, rtype = res.setdefault("Properties", {}), res.get("Type")
        definition_uri = props.get("DefinitionUri")
        local_definition = isinstance(definition_uri, str) and not definition_uri.startswith("s3://")
        if rtype == "AWS::Serverless::Function" and "InlineCode" not in props and props.get("PackageType") != "Image":
            if "CodeUri" in props:
                props["CodeUri"] = up(props["CodeUri"])
        elif rtype == "AWS::Serverless::LayerVersion" and "ContentUri" in props:
            props["ContentUri"] = up(props["ContentUri"])
        elif rtype == "AWS::Serverless::StateMachine" and local_definition:
            props["Definition"] = load(root / props.pop("DefinitionUri"))
    return tpl


def transform(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """SAM → plain CloudFormation, offline (managed policies resolve to nothing)."""
    from samtranslator.translator.transform import transform as sam_transform

    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    no_managed_policies = type("NoManagedPolicies", (), {"load": lambda self: {}})()
    return sam_transform(copy.deepcopy(template), dict(parameters), no_managed_policies)


_GATEWAY, _COGNITO, _SCHEDULER = (
    "the local gateway (infra/local/gateway.py) serves the API",
    "the local issuer (infra/local/issuer.py) stands in for Cognito",
    "fired by the local cloud (infra/local/schedules.py)",
)
_TELEPHONY = "the local telephony stand-in (infra/local/telephony.py) plays the Chime SDK service side"
# Types the local cloud itself stands in for (never handed to moto even if it knew them).
HANDLED_LOCALLY = {
    "AWS::SecretsManager::Secret": "created by the local cloud through the Secrets Manager API",
    "AWS::Scheduler::Schedule": _SCHEDULER,
    "AWS::Scheduler::ScheduleGroup": _SCHEDULER,
    **{f"AWS::Cognito::{t}": _COGNITO for t in ("UserPool", "UserPoolClient", "UserPoolDomain", "UserPoolGroup")},
    **{
        f"AWS::ApiGateway::{t}": _GATEWAY
        for t in ("RestApi", "Deployment", "Stage", "Authorizer", "BasePathMapping", "DomainName", "Account")
    },
    "AWS::ApiGatewayV2::Api": _GATEWAY,
    **{
        t: _TELEPHONY for t in ("AWS::Chime::SipMediaApplication", "AWS::Chime::VoiceConnector", "Custom::ChimeSipRule")
    },
    "AWS::ApiGatewayV2::Stage": _GATEWAY,
    # B8: the local gateway serves web/ itself (infra/local/gateway.py); no CDN in front of it
    **{
        f"AWS::CloudFront::{t}": "the local gateway serves the web page (web/) on its own port"
        for t in ("Distribution", "OriginAccessControl", "Function", "CachePolicy")
    },
    # the switchboard's WebSocket API: played by infra/local/websocket_standin.py from the template
    **{f"AWS::ApiGatewayV2::{t}": "the WebSocket stand-in" for t in ("Route", "RouteResponse", "Integration")},
    # the provider would call chime-sdk-voice, which moto lacks; the telephony stand-in reads the rules
    "Custom::ChimeSipRule": "SIP rules of the SIP media application: read from the template by the telephony stand-in",
}


class Skipped(NamedTuple):
    logical_id: str
    type: str
    reason: str
    properties: dict[str, Any]


def _moto_supports(rtype: str) -> bool:
    from moto.cloudformation.parsing import NULL_MODELS, get_model_map

    return rtype in NULL_MODELS or rtype.startswith("Custom::") or rtype in get_model_map()


def placeholder(logical_id: str, rtype: str, attr: str | None, region: str, account: str) -> str:
    if attr is None:
        return f"local-{logical_id}"
    if attr.endswith("Arn"):
        parts = rtype.split("::")
        return f"arn:aws:{parts[1].lower()}:{region}:{account}:{parts[-1].lower()}/local-{logical_id}"
    return f"local-{logical_id}-{attr}"


def replace_refs(node: Any, gone: dict[str, str], region: str, account: str) -> Any:
    """Replace Ref/GetAtt/Sub references to removed resources by placeholders."""

    def sub(text: str) -> str:
        def one(m: re.Match[str]) -> str:
            base, _, attr = m.group(1).partition(".")
            return placeholder(base, gone[base], attr or None, region, account) if base in gone else m.group(0)

        return re.sub(r"\$\{([A-Za-z0-9_.:]+)\}", one, text)

    if isinstance(node, list):
        return [replace_refs(v, gone, region, account) for v in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((key, val),) = node.items()
        if key == "Ref" and isinstance(val, str) and val in gone:
            return placeholder(val, gone[val], None, region, account)
        if key == "Fn::GetAtt":
            parts = val.split(".", 1) if isinstance(val, str) else list(val)
            if parts and parts[0] in gone:
                return placeholder(parts[0], gone[parts[0]], parts[1] if len(parts) > 1 else "Arn", region, account)
        if key == "Fn::Sub" and isinstance(val, str):
            return {"Fn::Sub": sub(val)}
        if key == "Fn::Sub" and isinstance(val, list) and val:
            return {"Fn::Sub": [sub(val[0])] + [replace_refs(v, gone, region, account) for v in val[1:]]}
    return {k: replace_refs(v, gone, region, account) for k, v in node.items()}


def prepare_for_moto(cfn: dict, region: str, account: str, external: bool = False) -> tuple[dict, list[Skipped]]:
    """Split a CloudFormation template into what the emulator creates and what it cannot.
    ``external`` (a real LocalStack): only Scheduler and Cognito are left out."""
    cfn = copy.deepcopy(cfn)
    resources = cfn.get("Resources", {})
    skipped: list[Skipped] = []
    for logical_id, res in list(resources.items()):
        rtype = res.get("Type", "")
        reason = HANDLED_LOCALLY.get(rtype)
        if external:
            reason = reason if rtype.startswith(("AWS::Scheduler", "AWS::Cognito")) else None
        elif reason is None and rtype.startswith("AWS::ApiGateway::"):
            reason = _GATEWAY
        elif reason is None and not _moto_supports(rtype):
            reason = "not supported by the emulator (moto); skipped"
        if reason:
            skipped.append(Skipped(logical_id, rtype, reason, res.get("Properties", {})))
            del resources[logical_id]
    for logical_id, res in resources.items():
        props = res.setdefault("Properties", {})
        fifo = res.get("Type") == "AWS::SQS::Queue" and str(props.get("FifoQueue")).lower() == "true"
        if fifo and "QueueName" not in props and not external:  # CloudFormation appends ".fifo", moto does not
            props["QueueName"] = {"Fn::Sub": "${AWS::StackName}-" + logical_id[:50] + ".fifo"}
    gone = {s.logical_id: s.type for s in skipped}
    for key in ("Resources", "Outputs"):
        if key in cfn and gone:
            cfn[key] = replace_refs(cfn[key], gone, region, account)
    for res in resources.values():
        deps = res.get("DependsOn")
        if isinstance(deps, str) and deps in gone:
            del res["DependsOn"]
        elif isinstance(deps, list):
            res["DependsOn"] = [d for d in deps if d not in gone]
    return cfn, skipped


def sam_functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Logical id → merged properties (Globals.Function applied) of every SAM function."""
    glob = template.get("Globals", {}).get("Function", {})
    return {
        lid: {**glob, **(res.get("Properties") or {})}
        for lid, res in template.get("Resources", {}).items()
        if res.get("Type") == "AWS::Serverless::Function"
    }


def layer_dirs(template: dict[str, Any], root: Path, layer_refs: list[Any]) -> list[Path]:
    """Source folders of the template's own layers that a function references."""
    dirs: list[Path] = []
    for ref in layer_refs or []:
        res = template.get("Resources", {}).get(ref.get("Ref") if isinstance(ref, dict) else "", {})
        uri = (res.get("Properties") or {}).get("ContentUri")
        if isinstance(uri, str) and not uri.startswith("s3://"):
            base = (root / uri).resolve()
            # A layer zip's python/ folder goes on sys.path in Lambda; a BuildMethod layer
            # built from a source folder puts the folder's content there.
            dirs.append(base / "python" if (base / "python").is_dir() else base)
    return dirs


class Route(NamedTuple):
    function: str  # logical id of the function
    path: str  # resource path template, e.g. /items/{id}
    method: str  # upper-case, or ANY
    auth: str | None  # authorizer name, None = public
    stage: str


def api_routes(template: dict[str, Any], params: dict[str, Any]) -> list[Route]:
    """Routes of every ``Type: Api`` event, with the authorizer that protects each."""
    routes: list[Route] = []
    for fn_id, props in sam_functions(template).items():
        for ev in (props.get("Events") or {}).values():
            if ev.get("Type") != "Api":
                continue
            ep = ev.get("Properties", {})
            api_id = (ep.get("RestApiId") or {}).get("Ref") if isinstance(ep.get("RestApiId"), dict) else None
            api_props = {
                **template.get("Globals", {}).get("Api", {}),
                **(template["Resources"].get(api_id, {}).get("Properties", {}) if api_id else {}),
            }
            auth = (ep.get("Auth") or {}).get("Authorizer", (api_props.get("Auth") or {}).get("DefaultAuthorizer"))
            stage = api_props.get("StageName", "Prod")
            if isinstance(stage, dict) and stage.get("Ref") in params:
                stage = params[stage["Ref"]]
            method, auth = str(ep.get("Method", "ANY")).upper(), None if auth in ("NONE", "AWS_IAM") else auth
            routes.append(Route(fn_id, ep["Path"], method, auth, str(stage)))
    return routes


def deploy(cloud: Any) -> dict[str, float]:
    """Create ``cloud``'s stack from its template; fills cloud.sam/.cfn/.parameters/.skipped/
    .resources and registers the handlers with cloud.runtime. Returns timings."""
    t0 = time.perf_counter()
    cloud.sam = load(cloud.root / cloud.template_file)
    declared = cloud.sam.get("Parameters", {})
    # C1: presigned photo URLs must point at the emulator, not at AWS, and the page (on the
    # gateway's port, not known here) may post to them from any local origin
    defaults = {"Stage": cloud.stage, "S3PublicEndpoint": cloud.endpoint, "PhotosCorsOrigin": "*"}
    overrides = {k: v for k, v in {**defaults, **cloud.extra_parameters}.items() if k in declared}
    cloud.parameters = {**{k: v.get("Default") for k, v in declared.items()}, **overrides}
    bucket, s3 = f"{cloud.stack_name}-artifacts".lower(), cloud.client("s3")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": cloud.region})

    def upload(key: str, data: bytes) -> str:
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        return f"s3://{bucket}/{key}"

    packaged = package(cloud.sam, cloud.root, upload)
    t1 = time.perf_counter()
    cloud.cfn = transform(packaged, overrides)
    t2 = time.perf_counter()
    deployable, cloud.skipped = prepare_for_moto(cloud.cfn, cloud.region, cloud.account, cloud.external)
    for s in cloud.skipped:
        log.info("not created in the emulator: %s (%s): %s", s.logical_id, s.type, s.reason)
    cfn, body = cloud.client("cloudformation"), json.dumps(deployable)
    kwargs: dict[str, Any] = {
        "StackName": cloud.stack_name,
        "Parameters": [{"ParameterKey": k, "ParameterValue": str(v)} for k, v in overrides.items()],
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    }
    if len(body) > 51_000:  # AWS's limit for TemplateBody is 51,200 bytes; larger goes through S3
        s3.put_object(Bucket=bucket, Key="template.json", Body=body.encode())
        s3_url = cloud.endpoint if cloud.external else f"https://s3.{cloud.region}.amazonaws.com"
        kwargs["TemplateURL"] = f"{s3_url}/{bucket}/template.json"
    else:
        kwargs["TemplateBody"] = body
    try:
        cfn.create_stack(**kwargs)
    except Exception as exc:
        raise DeployError(f"create_stack failed: {exc}") from exc
    deadline = time.monotonic() + 120
    while (status := cfn.describe_stacks(StackName=cloud.stack_name)["Stacks"][0]["StackStatus"]).endswith(
        "_IN_PROGRESS"
    ) and time.monotonic() < deadline:
        time.sleep(0.2)
    if status != "CREATE_COMPLETE":
        events = cfn.describe_stack_events(StackName=cloud.stack_name)["StackEvents"][:10]
        raise DeployError(f"stack {cloud.stack_name} ended {status}: {events}")
    t3 = time.perf_counter()
    _collect_resources(cloud)
    if not cloud.external:
        _create_state_machines(cloud)
        _create_secrets(cloud)
    _register_functions(cloud)
    return dict(package_s=round(t1 - t0, 3), transform_s=round(t2 - t1, 3), create_stack_s=round(t3 - t2, 3))


def _collect_resources(cloud: Any) -> None:
    rows = cloud.client("cloudformation").describe_stack_resources(StackName=cloud.stack_name)["StackResources"]
    cloud.resources = {}
    for row in rows:
        rtype, pid = row["ResourceType"], row.get("PhysicalResourceId")
        info: dict[str, Any] = {"type": rtype, "physical_id": pid}
        if rtype == "AWS::SQS::Queue":
            info["name"] = str(pid).rsplit("/", 1)[-1]
            info.update(url=pid, arn=f"arn:aws:sqs:{cloud.region}:{cloud.account}:{info['name']}")
        elif rtype == "AWS::DynamoDB::Table":
            info.update(name=pid, arn=f"arn:aws:dynamodb:{cloud.region}:{cloud.account}:table/{pid}")
        elif rtype == "AWS::Lambda::Function":
            info.update(name=pid, arn=f"arn:aws:lambda:{cloud.region}:{cloud.account}:function:{pid}")
        elif rtype == "AWS::StepFunctions::StateMachine":
            info.update(arn=pid, name=str(pid).rsplit(":", 1)[-1])
        elif str(pid).startswith("arn:"):
            info["arn"] = pid
        cloud.resources[row["LogicalResourceId"]] = info
    for s in cloud.skipped:
        cloud.resources.setdefault(s.logical_id, {"type": s.type, "physical_id": None, "handled_locally": s.reason})


def resolve(cloud: Any, node: Any) -> Any:
    """Resolve intrinsics in ``node`` against the created stack."""
    node = replace_refs(node, {s.logical_id: s.type for s in cloud.skipped}, cloud.region, cloud.account)
    if not cloud.external:  # moto's own resolver, over the created stack's resources
        from moto.cloudformation.models import cloudformation_backends
        from moto.cloudformation.parsing import clean_json

        stacks = cloudformation_backends[cloud.account][cloud.region].stacks.values()
        stack = next(s for s in stacks if s.name == cloud.stack_name and s.status == "CREATE_COMPLETE")
        return clean_json(node, stack.resource_map)

    def simple(n: Any) -> Any:  # an external LocalStack: Ref and GetAtt from what was collected
        if isinstance(n, list):
            return [simple(v) for v in n]
        if not isinstance(n, dict):
            return n
        if set(n) == {"Ref"}:
            pseudo = {"AWS::Region": cloud.region, "AWS::AccountId": cloud.account, "AWS::StackName": cloud.stack_name}
            ref = n["Ref"]
            return cloud.parameters.get(ref) or pseudo.get(ref) or cloud.resources.get(ref, {}).get("physical_id")
        if set(n) == {"Fn::GetAtt"}:
            info = cloud.resources.get(n["Fn::GetAtt"][0], {})
            return info.get(n["Fn::GetAtt"][1].lower()) or info.get("arn")
        return {k: simple(v) for k, v in n.items()}

    return simple(node)


def _create_state_machines(cloud: Any) -> None:
    """Each state machine again through the Step Functions API, under the same name and with its
    substitutions resolved: moto's executing backend does not see CloudFormation's (README)."""
    sfn = cloud.client("stepfunctions")
    for lid, res in cloud.cfn.get("Resources", {}).items():
        if res.get("Type") != "AWS::StepFunctions::StateMachine":
            continue
        props = resolve(cloud, res.get("Properties", {}))
        definition = props.get("DefinitionString", props.get("Definition"))
        if definition is None:
            log.warning("state machine %s: no inline definition (DefinitionS3Location?)", lid)
            continue
        definition = definition if isinstance(definition, str) else json.dumps(definition)
        for key, value in (props.get("DefinitionSubstitutions") or {}).items():
            definition = definition.replace("${" + key + "}", str(value))
        info = cloud.resources.setdefault(lid, {"type": res["Type"]})
        name = info.get("name") or props.get("StateMachineName") or f"{cloud.stack_name}-{lid}"
        role = props.get("RoleArn") or f"arn:aws:iam::{cloud.account}:role/{name}"
        kind = props.get("StateMachineType", "STANDARD")
        arn = sfn.create_state_machine(name=name, definition=definition, type=kind, roleArn=role)["stateMachineArn"]
        info.update(arn=arn, name=name, physical_id=arn, definition=definition)


def _create_secrets(cloud: Any) -> None:
    """moto's CloudFormation has no AWS::SecretsManager::Secret: each one is created through the
    API under the name its references were given, with the template's value."""
    sm = cloud.client("secretsmanager")
    for s in cloud.skipped:
        if s.type == "AWS::SecretsManager::Secret":
            name = placeholder(s.logical_id, s.type, None, cloud.region, cloud.account)
            with contextlib.suppress(sm.exceptions.ResourceExistsException):
                sm.create_secret(Name=name, SecretString=str(s.properties.get("SecretString") or "{}"))
            cloud.resources[s.logical_id].update(physical_id=name, name=name)


def _register_functions(cloud: Any) -> None:
    lam = cloud.client("lambda")
    for lid, props in sam_functions(cloud.sam).items():
        name = cloud.resources.get(lid, {}).get("name")
        if "InlineCode" in props or props.get("PackageType") == "Image" or not name:
            log.warning("function %s: not created in the stack, or inline/image code (not run locally)", lid)
            continue
        conf = lam.get_function_configuration(FunctionName=name)
        spec = FunctionSpec(
            lid,
            (cloud.root / str(props.get("CodeUri", "."))).resolve(),
            str(props.get("Handler")),
            layer_dirs(cloud.sam, cloud.root, props.get("Layers") or []),
            physical_name=name,
            arn=conf["FunctionArn"],
            memory_mb=int(conf.get("MemorySize") or 128),
            environment=env_strings((conf.get("Environment") or {}).get("Variables", {})),
            timeout_s=float(conf.get("Timeout") or 3),
        )
        cloud.runtime.register(spec)
        cloud.resources[lid].update(arn=spec.arn, handler=spec.handler, code_dir=str(spec.code_dir))
