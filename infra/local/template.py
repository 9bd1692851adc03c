"""Reading, packaging and transforming the SAM template for the local cloud.

``template.yaml`` is the one source of truth: everything here is derived from it.

* :func:`load` parses the YAML with the CloudFormation short-form tags (``!Ref``,
  ``!GetAtt``, ``!Sub`` …) turned into their long form.
* :func:`package` does what ``sam package`` does: every local ``CodeUri`` /
  ``ContentUri`` becomes a zip in an S3 bucket; state machine ``DefinitionUri`` files
  are inlined as ``Definition``.
* :func:`transform` runs ``samtranslator`` (no network: managed policies map to ``{}``).
* :func:`prepare_for_moto` removes resource types moto's CloudFormation cannot create
  and replaces references to them with placeholders, returning what it skipped.
* :func:`api_routes`, :func:`sam_functions` read the SAM-level description the gateway
  and the runtime need.
"""
from __future__ import annotations

import copy
import io
import json
import logging
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

log = logging.getLogger("infra.local")

# ---------------------------------------------------------------------------- YAML


class _CfnLoader(yaml.SafeLoader):
    pass


def _cfn_tag(loader: yaml.Loader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    if suffix == "Condition":
        return {"Condition": value}
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)


def load(path: Path) -> dict[str, Any]:
    """Parse a SAM/CloudFormation YAML (or JSON) template."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_CfnLoader)


# ---------------------------------------------------------------------------- packaging

_EXCLUDE_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".git", "tests"}


def zip_dir(path: Path) -> bytes:
    """Zip a code directory the way ``sam package`` would (no build step: source as is)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if path.is_file():
            zf.write(path, path.name)
        else:
            for p in sorted(path.rglob("*")):
                rel = p.relative_to(path)
                if any(part in _EXCLUDE_DIRS for part in rel.parts) or p.suffix == ".pyc":
                    continue
                if p.is_file():
                    zf.write(p, rel.as_posix())
    return buf.getvalue()


def _is_local_uri(value: Any) -> bool:
    return isinstance(value, str) and not value.startswith("s3://")


def package(
    template: dict[str, Any],
    root: Path,
    upload: Callable[[str, bytes], str],
) -> dict[str, Any]:
    """Return a copy of ``template`` with local code locations replaced by S3 ones.

    ``upload(key, data) -> "s3://bucket/key"`` stores one artefact.
    State machine ``DefinitionUri`` files are read and inlined as ``Definition``.
    """
    tpl = copy.deepcopy(template)
    resources = tpl.get("Resources", {})
    fn_globals = tpl.get("Globals", {}).get("Function", {})
    cache: dict[str, str] = {}

    def up(uri: str) -> str:
        if uri not in cache:
            src = (root / uri).resolve()
            if not src.exists():
                raise FileNotFoundError(f"code location {uri!r} does not exist under {root}")
            key = re.sub(r"[^A-Za-z0-9._-]+", "-", uri.strip("/")) + ".zip"
            cache[uri] = upload(key, zip_dir(src))
        return cache[uri]

    if _is_local_uri(fn_globals.get("CodeUri")):
        fn_globals["CodeUri"] = up(fn_globals["CodeUri"])
    for logical_id, res in resources.items():
        props = res.setdefault("Properties", {}) if isinstance(res, dict) else {}
        rtype = res.get("Type") if isinstance(res, dict) else None
        if rtype == "AWS::Serverless::Function":
            if props.get("PackageType") == "Image" or "InlineCode" in props:
                continue
            if _is_local_uri(props.get("CodeUri")):
                props["CodeUri"] = up(props["CodeUri"])
        elif rtype == "AWS::Serverless::LayerVersion":
            if _is_local_uri(props.get("ContentUri")):
                props["ContentUri"] = up(props["ContentUri"])
        elif rtype == "AWS::Lambda::LayerVersion":
            content = props.get("Content")
            if _is_local_uri(content):
                uri = up(content).removeprefix("s3://")
                bucket, key = uri.split("/", 1)
                props["Content"] = {"S3Bucket": bucket, "S3Key": key}
        elif rtype == "AWS::Serverless::StateMachine":
            uri = props.get("DefinitionUri")
            if _is_local_uri(uri):
                src = root / uri
                text = src.read_text(encoding="utf-8")
                definition = json.loads(text) if src.suffix == ".json" else load(src)
                props.pop("DefinitionUri")
                props["Definition"] = definition
    return tpl


# ---------------------------------------------------------------------------- transform


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def transform(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """SAM → plain CloudFormation, offline."""
    from samtranslator.translator.transform import transform as sam_transform

    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-north-1")
    return sam_transform(copy.deepcopy(template), dict(parameters), _NoManagedPolicies())


# ---------------------------------------------------------------------------- moto compatibility

# Types the local cloud itself stands in for (never handed to moto even if it knew them).
HANDLED_LOCALLY = {
    "AWS::SecretsManager::Secret": "created by the local cloud through the Secrets Manager API",
    "AWS::Scheduler::Schedule": "fired by the local cloud (cloud.schedules / fire_schedule)",
    "AWS::Scheduler::ScheduleGroup": "schedules are fired by the local cloud",
    "AWS::Cognito::UserPool": "the local issuer (infra/local/issuer.py) stands in for Cognito",
    "AWS::Cognito::UserPoolClient": "the local issuer stands in for Cognito",
    "AWS::Cognito::UserPoolDomain": "the local issuer stands in for Cognito",
    "AWS::Cognito::UserPoolGroup": "the local issuer stands in for Cognito",
    "AWS::ApiGateway::RestApi": "the local gateway (infra/local/gateway.py) serves the API",
    "AWS::ApiGateway::Deployment": "the local gateway serves the API",
    "AWS::ApiGateway::Stage": "the local gateway serves the API",
    "AWS::ApiGateway::Authorizer": "the local gateway verifies tokens itself",
    "AWS::ApiGateway::BasePathMapping": "the local gateway serves the API",
    "AWS::ApiGateway::DomainName": "the local gateway serves the API",
    "AWS::ApiGateway::Account": "the local gateway serves the API",
    "AWS::ApiGatewayV2::Api": "the local gateway serves the API",
    "AWS::ApiGatewayV2::Stage": "the local gateway serves the API",
}


@dataclass
class Skipped:
    logical_id: str
    type: str
    reason: str
    properties: dict[str, Any] = field(default_factory=dict)


def _moto_supports(rtype: str) -> bool:
    from moto.cloudformation.parsing import NULL_MODELS, get_model_map

    return rtype in NULL_MODELS or rtype.startswith("Custom::") or rtype in get_model_map()


def placeholder(logical_id: str, rtype: str, attr: str | None, region: str, account: str) -> str:
    service = rtype.split("::")[1].lower() if rtype.count("::") >= 2 else "local"
    kind = rtype.split("::")[-1].lower()
    if attr is None:
        return f"local-{logical_id}"
    if attr == "Arn" or attr.endswith("Arn"):
        return f"arn:aws:{service}:{region}:{account}:{kind}/local-{logical_id}"
    return f"local-{logical_id}-{attr}"


def _replace_refs(node: Any, gone: dict[str, str], region: str, account: str) -> Any:
    """Replace Ref/GetAtt/Sub references to removed resources by placeholders."""
    if isinstance(node, list):
        return [_replace_refs(v, gone, region, account) for v in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (key, val), = node.items()
        if key == "Ref" and isinstance(val, str) and val in gone:
            return placeholder(val, gone[val], None, region, account)
        if key == "Fn::GetAtt":
            parts = val.split(".", 1) if isinstance(val, str) else list(val)
            if parts and parts[0] in gone:
                return placeholder(parts[0], gone[parts[0]], parts[1] if len(parts) > 1 else "Arn",
                                   region, account)
        if key == "Fn::Sub":
            if isinstance(val, str):
                return {"Fn::Sub": _sub_string(val, gone, region, account)}
            if isinstance(val, list) and val:
                return {"Fn::Sub": [_sub_string(val[0], gone, region, account)]
                        + [_replace_refs(v, gone, region, account) for v in val[1:]]}
    return {k: _replace_refs(v, gone, region, account) for k, v in node.items()}


def _sub_string(text: str, gone: dict[str, str], region: str, account: str) -> str:
    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        base, _, attr = name.partition(".")
        if base in gone:
            return placeholder(base, gone[base], attr or None, region, account)
        return m.group(0)

    return re.sub(r"\$\{([A-Za-z0-9_.:]+)\}", repl, text)


def prepare_for_moto(cfn: dict[str, Any], region: str, account: str) -> tuple[dict[str, Any], list[Skipped]]:
    """Split a CloudFormation template into what moto creates and what it cannot."""
    cfn = copy.deepcopy(cfn)
    resources = cfn.get("Resources", {})
    skipped: list[Skipped] = []
    gone: dict[str, str] = {}
    for logical_id, res in list(resources.items()):
        rtype = res.get("Type", "")
        reason = HANDLED_LOCALLY.get(rtype)
        if reason is None and (rtype.startswith("AWS::ApiGateway::") or not _moto_supports(rtype)):
            reason = (
                "the local gateway serves the API" if rtype.startswith("AWS::ApiGateway::")
                else "not supported by the emulator (moto); skipped"
            )
        if reason:
            gone[logical_id] = rtype
            skipped.append(Skipped(logical_id, rtype, reason, res.get("Properties", {})))
            del resources[logical_id]
    for logical_id, res in resources.items():
        props = res.get("Properties") or {}
        # CloudFormation appends ".fifo" to a generated FIFO queue name; moto does not.
        if res.get("Type") == "AWS::SQS::Queue" and str(props.get("FifoQueue")).lower() == "true" \
                and "QueueName" not in props:
            props["QueueName"] = {"Fn::Sub": "${AWS::StackName}-" + logical_id[:50] + ".fifo"}
            res["Properties"] = props
    if not gone:
        return cfn, skipped
    for key in ("Resources", "Outputs"):
        if key in cfn:
            cfn[key] = _replace_refs(cfn[key], gone, region, account)
    for res in resources.values():
        deps = res.get("DependsOn")
        if isinstance(deps, str) and deps in gone:
            res.pop("DependsOn")
        elif isinstance(deps, list):
            res["DependsOn"] = [d for d in deps if d not in gone]
    return cfn, skipped


def replace_refs(node: Any, gone: dict[str, str], region: str, account: str) -> Any:
    return _replace_refs(node, gone, region, account)


# ---------------------------------------------------------------------------- SAM-level views


def _param_value(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in params:
        return params[value["Ref"]]
    return value


def parameters(template: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = {k: v.get("Default") for k, v in template.get("Parameters", {}).items()}
    out.update(overrides)
    return out


def sam_functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Logical id → merged properties (Globals.Function applied) of every SAM function."""
    glob = template.get("Globals", {}).get("Function", {})
    out: dict[str, dict[str, Any]] = {}
    for logical_id, res in template.get("Resources", {}).items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = dict(glob)
        props.update(res.get("Properties") or {})
        out[logical_id] = props
    return out


def layer_dirs(template: dict[str, Any], root: Path, layer_refs: list[Any]) -> list[Path]:
    """Source directories of the template's own layers referenced by a function."""
    dirs: list[Path] = []
    resources = template.get("Resources", {})
    for ref in layer_refs or []:
        name = ref.get("Ref") if isinstance(ref, dict) else None
        res = resources.get(name or "")
        if not res:
            continue
        props = res.get("Properties", {})
        uri = props.get("ContentUri") if res.get("Type") == "AWS::Serverless::LayerVersion" else props.get("Content")
        if isinstance(uri, str) and not uri.startswith("s3://"):
            base = (root / uri).resolve()
            # A layer zip's python/ folder goes on sys.path in Lambda; a BuildMethod layer
            # built from a source folder puts the folder's content there.
            dirs.append(base / "python" if (base / "python").is_dir() else base)
    return dirs


@dataclass
class Route:
    function: str          # logical id of the function
    event: str             # event name
    path: str              # resource path template, e.g. /items/{id}
    method: str            # upper-case, or ANY
    auth: str | None       # authorizer name, None = public
    api: str | None        # logical id of the Api resource (None = implicit)
    stage: str


def api_routes(template: dict[str, Any], params: dict[str, Any]) -> list[Route]:
    """Routes of every ``Type: Api`` event, with the authorizer that protects each."""
    resources = template.get("Resources", {})
    glob_api = template.get("Globals", {}).get("Api", {})
    routes: list[Route] = []
    for fn_id, props in sam_functions(template).items():
        for ev_name, ev in (props.get("Events") or {}).items():
            if ev.get("Type") != "Api":
                continue
            ep = ev.get("Properties", {})
            api_ref = ep.get("RestApiId")
            api_id = api_ref.get("Ref") if isinstance(api_ref, dict) else None
            api_props = dict(glob_api)
            api_props.update(resources.get(api_id, {}).get("Properties", {}) if api_id else {})
            default_auth = (api_props.get("Auth") or {}).get("DefaultAuthorizer")
            auth_cfg = ep.get("Auth") or {}
            auth = auth_cfg.get("Authorizer", default_auth)
            if auth in ("NONE", "AWS_IAM"):
                auth = None
            stage = _param_value(api_props.get("StageName", "Prod"), params)
            routes.append(Route(fn_id, ev_name, ep["Path"], str(ep.get("Method", "ANY")).upper(),
                                auth, api_id, str(stage)))
    return routes
