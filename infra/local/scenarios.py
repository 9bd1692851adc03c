"""The call simulator: a scripted scenario (infra/local/scenarios/*.json|yaml) played against a
running local cloud's telephony stand-in; the report says what happened to each caller and
agent and whether that is what the scenario expects (docs/call-simulator.md).

A scenario: ``name``, ``description``, ``time_scale`` (default 0.05), ``setup`` (requests to the
product's API, each ``{"as": "ADMIN", "method": "PUT", "path": "/admin/routing", "body": …}``,
``as`` a demo user's variable name), ``phones`` (number → :class:`~.telephony.Phone`),
``calls`` (``{"name", "at", "from", "to", …phone behaviour}``), ``requests`` (API requests at
simulated times: click-to-dial, a meeting), ``run_for`` (simulated seconds at most) and
``expect`` (caller name or phone number → outcome fields, see :func:`outcome`).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .telephony import Phone, Telephony, Txn

SCENARIOS = Path(__file__).with_name("scenarios")


def load(name_or_path: str) -> dict[str, Any]:
    for path in (Path(name_or_path), SCENARIOS / f"{name_or_path}.json", SCENARIOS / f"{name_or_path}.yaml"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".json":
                return dict(json.loads(text))
            import yaml

            return dict(yaml.safe_load(text))
    known = sorted(p.stem for p in SCENARIOS.glob("*.*"))
    raise LookupError(f"no scenario {name_or_path!r}; shipped: {', '.join(known)}")


def _request(base_url: str, token: str | None, step: dict[str, Any]) -> tuple[int, Any]:
    if isinstance(step.get("body"), dict) and step["body"].get("version") == "current":  # optimistic saves
        status, current = _request(base_url, token, {"path": step["path"]})
        version = current.get("version", 0) if status == 200 and isinstance(current, dict) else 0
        step = {**step, "body": {**step["body"], "version": version}}
    body = json.dumps(step["body"]).encode() if "body" in step else None
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    req = urllib.request.Request(base_url + step["path"], data=body, method=step.get("method", "GET"), headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def run(engine: Telephony, scenario: dict[str, Any], base_url: str, tokens: dict[str, str]) -> dict[str, Any]:
    """Play ``scenario``; its report (``ok`` False when an outcome differs from ``expect``)."""
    before, engine.time_scale = engine.time_scale, float(scenario.get("time_scale", 0.05))
    try:
        return _run(engine, scenario, base_url, tokens)
    finally:
        engine.time_scale = before


def _run(engine: Telephony, scenario: dict[str, Any], base_url: str, tokens: dict[str, str]) -> dict[str, Any]:
    failures: list[str] = []
    for step in scenario.get("setup", []):
        status, body = _request(base_url, tokens.get(step.get("as", "")), step)
        if status >= 400:
            failures.append(f"setup {step.get('method', 'GET')} {step['path']} → {status}: {body}")
    if failures:
        return {"scenario": scenario.get("name"), "ok": False, "failures": failures}
    for number, behaviour in (scenario.get("phones") or {}).items():
        engine.phones[number] = Phone.from_dict(behaviour)
    known = set(engine.txns)
    scale, t0 = engine.time_scale, time.monotonic()
    callers: dict[str, Txn] = {}
    timers = []

    def place(call: dict[str, Any]) -> None:
        behaviour = {k: v for k, v in call.items() if k not in ("name", "at", "from", "to")}
        try:
            callers[call.get("name") or call["from"]] = engine.call(call["from"], call["to"], behaviour)
        except LookupError as exc:
            failures.append(f"call {call.get('name')}: {exc}")

    def send(step: dict[str, Any]) -> None:
        status, body = _request(base_url, tokens.get(step.get("as", "")), step)
        if status >= 400:
            failures.append(f"{step.get('method', 'GET')} {step['path']} → {status}: {body}")

    for item, fn in [(c, place) for c in scenario.get("calls", [])] + [(r, send) for r in scenario.get("requests", [])]:
        timer = threading.Timer(float(item.get("at", 0)) * scale, fn, (item,))
        timer.daemon = True
        timers.append(timer)
        timer.start()
    deadline = t0 + float(scenario.get("run_for", 600)) * scale
    time.sleep(
        max(float(i.get("at", 0)) for i in [{"at": 0}, *scenario.get("calls", []), *scenario.get("requests", [])])
        * scale
        + 0.1
    )
    while time.monotonic() < deadline:
        with engine.lock:
            mine = [t for i, t in engine.txns.items() if i not in known]
        if mine and all(t.ended is not None for t in mine):
            time.sleep(0.5)  # a callback or a dispatch may still place a call
            with engine.lock:
                if all(t.ended is not None for i, t in engine.txns.items() if i not in known):
                    break
        time.sleep(0.05)
    with engine.lock:
        mine = [t for i, t in engine.txns.items() if i not in known]
    report_callers = {name: outcome(txn, mine) for name, txn in callers.items()}
    agents = {number: phone_report(number, mine) for number in scenario.get("phones") or {}}
    for who, wanted in (scenario.get("expect") or {}).items():
        got = report_callers.get(who) or agents.get(who)
        if got is None:
            failures.append(f"{who}: not in the scenario")
            continue
        for key, value in wanted.items():
            have = got.get(key)
            ok = (value.lower() in str(have).lower()) if key == "heard" else have == value
            if not ok:
                failures.append(f"{who}: {key} is {have!r}, expected {value!r}")
    unfinished = [t.id for t in mine if t.ended is None]
    return {
        "scenario": scenario.get("name"),
        "description": scenario.get("description"),
        "ok": not failures,
        "failures": failures,
        "callers": report_callers,
        "agents": agents,
        "unfinished_calls": unfinished,
        "simulated_s": round((time.monotonic() - t0) / scale, 1),
    }


def outcome(txn: Txn, others: list[Txn]) -> dict[str, Any]:
    """A caller's call: what it heard and keyed, who answered, how it ended, a callback."""
    a = txn.legs["LEG-A"]
    me = a.frm
    answered = next((e for e in txn.log if e["what"] == "answers" and e["who"] != me), None)
    joined = next((e for e in txn.log if e["what"].startswith("joins meeting")), None)
    calls_back = [
        t for t in others if t is not txn and t.started > txn.started and any(leg.to == me for leg in t.legs.values())
    ]
    return {
        "keys": [e["what"].split(" ", 1)[1] for e in txn.log if e["who"] == me and e["what"].startswith("presses")],
        "heard": " | ".join(e["what"][6:] for e in txn.log if e["who"] == me and e["what"].startswith("hears")),
        "answered_by": answered["who"] if answered else (_met(txn, joined, others) if joined else None),
        "waited_s": (answered or joined or {}).get("t"),
        "voicemail": any(e["what"] == "leaves a voicemail" for e in txn.log),
        "hung_up": "caller" if any(e["who"] == me and e["what"] == "hangs up" for e in txn.log) else "system",
        "called_back": bool(calls_back),
        "callback_answered": any(e["who"] == me and e["what"] == "answers" for t in calls_back for e in t.log),
        "lines": [f"{e['t']:>7.1f}s  {e['who']}: {e['what']}" for e in txn.log]
        + [f"{e['t']:>7.1f}s  (callback) {e['who']}: {e['what']}" for t in calls_back for e in t.log],
    }


def _met(txn: Txn, joined: dict[str, Any], others: list[Txn]) -> str:
    """A caller in a meeting was answered by the first other phone in the same meeting (a
    ringall member who answered), else by "meeting"."""
    for t in sorted(others, key=lambda t: t.started):
        if t is not txn:
            for e in t.log:
                if e["what"] == joined["what"]:
                    return str(e["who"])
    return "meeting"


def phone_report(number: str, txns: list[Txn]) -> dict[str, Any]:
    """An agent's (or any phone's) calls: how often it rang and answered."""
    lines = [f"{e['who']}: {e['what']}" for t in txns for e in t.log if e["who"] == number]
    return {
        "rang": sum(
            1 for t in txns for e in t.log if e["who"] == number and e["what"].startswith(("rings", "is called"))
        ),
        "answered": sum(1 for t in txns for e in t.log if e["who"] == number and e["what"] == "answers"),
        "lines": lines,
    }


def print_report(report: dict[str, Any]) -> None:
    print(f"Scenario {report.get('scenario')}: {report.get('description') or ''}")
    for name, caller in (report.get("callers") or {}).items():
        print(
            f"\n  caller {name}: answered by {caller['answered_by']}, keys {caller['keys']}, "
            f"hung up by {caller['hung_up']}, voicemail {caller['voicemail']}, called back {caller['called_back']}"
        )
        for line in caller["lines"]:
            print(f"    {line}")
    for number, agent in (report.get("agents") or {}).items():
        print(f"\n  phone {number}: rang {agent['rang']}x, answered {agent['answered']}x")
    print()
    print(
        "OK: every outcome as expected" if report.get("ok") else "FAILED:\n  " + "\n  ".join(report.get("failures", []))
    )
