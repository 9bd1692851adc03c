"""The call simulator: a scripted scenario (infra/local/scenarios/*.json|yaml) played against a
running local cloud's telephony stand-in; the report says what happened to each caller and
agent and whether that is what the scenario expects (docs/call-simulator.md).

A scenario: ``name``, ``description``, ``time_scale`` (default 0.05), ``setup`` (requests to the
product's API, each ``{"as": "ADMIN", "method": "PUT", "path": "/admin/routing", "body": …}``,
``as`` a demo user's variable name), ``phones`` (number → :class:`~.telephony.Phone`),
``calls`` (``{"name", "at", "from", "to", …phone behaviour}``), ``requests`` (API requests at
simulated times: click-to-dial, a meeting), ``run_for`` (simulated seconds at most) and
``expect`` (caller name or phone number → outcome fields, see :func:`outcome`; a list of values
means "one of these"), ``expect_call_log`` (caller name → fields of that caller's call in
``GET /admin/calls``, plus ``path`` — event kinds that must appear in ``GET /admin/calls/{id}``'s
path, in that order) and ``teardown`` (requests after the run, e.g. ``DELETE /_local/clock``).

The runner restores the handlers' clock when the scenario set it (``/_local/clock``), and after
a setup that saved the routing plan it waits for call control's plan cache
(``store.call_repository.CACHE_S``, 5 s per warm container, as in AWS) so the calls meet the new
plan.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

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


PLAN_CACHE_S = 5.0  # store.call_repository.CACHE_S: a saved plan reaches call control within this


def run(engine: Telephony, scenario: dict[str, Any], base_url: str, tokens: dict[str, str]) -> dict[str, Any]:
    """Play ``scenario``; its report (``ok`` False when an outcome differs from ``expect``)."""
    before, engine.time_scale = engine.time_scale, float(scenario.get("time_scale", 0.05))
    steps = [*scenario.get("setup", []), *scenario.get("requests", [])]
    sets_clock = any(str(s.get("path", "")).startswith("/_local/clock") for s in steps)
    try:
        return _run(engine, scenario, base_url, tokens)
    finally:
        engine.time_scale = before
        for step in scenario.get("teardown", []):
            _request(base_url, tokens.get(step.get("as", "")), step)
        if sets_clock:  # never leave the handlers' clock standing still for whatever runs next
            _request(base_url, None, {"method": "DELETE", "path": "/_local/clock"})


def _run(engine: Telephony, scenario: dict[str, Any], base_url: str, tokens: dict[str, str]) -> dict[str, Any]:
    failures: list[str] = []
    for step in scenario.get("setup", []):
        status, body = _request(base_url, tokens.get(step.get("as", "")), step)
        if status >= 400:
            failures.append(f"setup {step.get('method', 'GET')} {step['path']} → {status}: {body}")
    if failures:
        return {"scenario": scenario.get("name"), "ok": False, "failures": failures}
    if any(s.get("path") == "/admin/routing" and s.get("method") == "PUT" for s in scenario.get("setup", [])):
        time.sleep(PLAN_CACHE_S + 0.2)  # call control reads the plan through a 5 s cache (docs/pbx.md)
    for number, behaviour in (scenario.get("phones") or {}).items():
        engine.phones[number] = Phone.from_dict(behaviour)
    known = set(engine.txns)
    scale, t0 = engine.time_scale, time.monotonic()
    callers: dict[str, Txn] = {}
    timers = []

    saved: dict[str, Any] = {}  # responses of requests with "save_as", for "{name.field}" in a call

    def place(call: dict[str, Any]) -> None:
        behaviour = {k: v for k, v in call.items() if k not in ("name", "at", "from", "to")}
        try:
            for _ in range(300):  # a "{saved.field}" waits (up to 30 s) for its request to answer
                try:
                    behaviour = _fill(behaviour, saved)
                    break
                except KeyError:
                    time.sleep(0.1)
            behaviour = _fill(behaviour, saved)
            callers[call.get("name") or call["from"]] = engine.call(call["from"], call["to"], behaviour)
        except (LookupError, KeyError) as exc:
            failures.append(f"call {call.get('name')}: {exc}")

    def send(step: dict[str, Any]) -> None:
        if "{call:" in step.get("path", ""):  # the switchboard (B3/B4): a caller's call id in the path
            step = {**step, "path": re.sub(r"\{call:([^}]+)\}", lambda m: callers[m.group(1)].id, step["path"])}
        status, body = _request(base_url, tokens.get(step.get("as", "")), step)
        if status >= 400:
            failures.append(f"{step.get('method', 'GET')} {step['path']} → {status}: {body}")
        elif step.get("save_as"):
            saved[step["save_as"]] = body

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
    report_callers = {name: outcome(txn, mine, t0) for name, txn in callers.items()}
    agents = {number: phone_report(number, mine) for number in scenario.get("phones") or {}}
    for who, wanted in (scenario.get("expect") or {}).items():
        got = report_callers.get(who) or agents.get(who)
        if got is None:
            failures.append(f"{who}: not in the scenario")
            continue
        for key, value in wanted.items():
            have = got.get(key)
            if key == "heard":
                ok = str(value).lower() in str(have).lower()
            elif isinstance(value, list) and key != "keys":
                ok = have in value
            else:
                ok = have == value
            if not ok:
                wanted_text = repr(value) if key == "keys" else _one_of(value)
                failures.append(f"{who}: {key} is {have!r}, expected {wanted_text}")
    unfinished = [t.id for t in mine if t.ended is None]
    call_log: dict[str, Any] = {}
    if scenario.get("expect_call_log"):
        call_log = _check_call_log(scenario, callers, base_url, tokens, failures)
    return {
        "scenario": scenario.get("name"),
        "description": scenario.get("description"),
        "ok": not failures,
        "failures": failures,
        "callers": report_callers,
        "agents": agents,
        "unfinished_calls": unfinished,
        "call_log": call_log,
        "simulated_s": round((time.monotonic() - t0) / scale, 1),
    }


def _fill(value: Any, saved: dict[str, Any]) -> Any:
    """``"{meeting.dial_in.pin}"`` → that field of the response saved as ``meeting``."""
    if isinstance(value, dict):
        return {k: _fill(v, saved) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, saved) for v in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        name, *fields = value[1:-1].split(".")
        if name not in saved:
            raise KeyError(f"{value}: no response saved as {name!r} (yet)")
        found = saved[name]
        for f in fields:
            found = found[f]
        return str(found)
    return value


def _one_of(value: Any) -> str:
    return " or ".join(repr(v) for v in value) if isinstance(value, list) else repr(value)


def _check_call_log(
    scenario: dict[str, Any], callers: dict[str, Txn], base_url: str, tokens: dict[str, str], failures: list[str]
) -> dict[str, Any]:
    """The call log as the company admin reads it (GET /admin/calls), after the call events
    have gone through EventBridge → SQS → the call log function; checked against
    ``expect_call_log``. Returns each expected caller's listed call with its path's kinds."""
    _request(base_url, None, {"method": "POST", "path": "/_local/drain"})
    token = tokens.get(scenario.get("call_log_as", "ADMIN"))
    found: dict[str, Any] = {}
    for who, wanted in scenario["expect_call_log"].items():
        txn = callers.get(who)
        if txn is None:
            failures.append(f"call log: {who} is not a caller of the scenario")
            continue
        status, calls = _request(
            base_url, token, {"path": f"/admin/calls?limit=200&number={quote(txn.legs['LEG-A'].frm)}"}
        )
        if status != 200:
            failures.append(f"call log: GET /admin/calls → {status}: {calls}")
            continue
        item = next((c for c in calls.get("items", []) if c.get("call_id") == txn.id), None)
        if item is None:
            failures.append(f"call log: {who}'s call {txn.id} is not in GET /admin/calls")
            continue
        status, detail = _request(base_url, token, {"path": f"/admin/calls/{txn.id}"})
        steps = (detail.get("path") or []) if status == 200 and isinstance(detail, dict) else []
        kinds = [step.get("kind") for step in steps]
        found[who] = {
            **{k: item.get(k) for k in ("outcome", "kind", "answered", "answered_by", "queue_ids")},
            "path": kinds,
            "steps": [_step(st) for st in steps],
        }
        for key, value in wanted.items():
            if key == "path":
                rest = iter(kinds)
                if not all(any(k == want for k in rest) for want in value):
                    failures.append(f"call log: {who}'s path is {kinds}, expected {value} in that order")
            elif not (
                item.get(key) in value if isinstance(value, list) and key != "queue_ids" else item.get(key) == value
            ):
                failures.append(f"call log: {who}'s {key} is {item.get(key)!r}, expected {_one_of(value)}")
    return found


def _step(step: dict[str, Any]) -> str:
    """A call log path step for people: ROUTED shows where to, others who and which queue."""
    data = step.get("data") or {}
    if step.get("kind") == "ROUTED" and data.get("destination"):
        return f"ROUTED({data['destination']}{':' + str(data['target']) if data.get('target') else ''})"
    who = step.get("employee_id") or step.get("queue_id")
    return f"{step.get('kind')}({who})" if who else str(step.get("kind"))


def outcome(txn: Txn, others: list[Txn], t0: float | None = None) -> dict[str, Any]:
    """A caller's call: what it heard and keyed, who answered, how it ended, a callback, and a
    one-line ``summary``. Times are simulated seconds since the scenario began (``t0``, monotonic),
    or since the call began when ``t0`` is None."""
    a = txn.legs["LEG-A"]
    me = a.frm
    scale = txn.engine.time_scale or 1.0

    def offset(t: Txn) -> float:
        return 0.0 if t0 is None else (t.started - t0) / scale

    answered = next((e for e in txn.log if e["what"] == "answers" and e["who"] != me), None)
    joined = next((e for e in txn.log if e["what"].startswith("joins meeting")), None)
    calls_back = [
        t for t in others if t is not txn and t.started > txn.started and any(leg.to == me for leg in t.legs.values())
    ]
    callback_by = next(
        (
            t.legs["LEG-A"].to
            for t in calls_back
            if any(e["what"] == "answers" for e in t.log) and t.legs["LEG-A"].to != me
        ),
        None,
    )
    result = {
        "keys": [e["what"].split(" ", 1)[1] for e in txn.log if e["who"] == me and e["what"].startswith("presses")],
        "heard": " | ".join(e["what"][6:] for e in txn.log if e["who"] == me and e["what"].startswith("hears")),
        "answered_by": answered["who"] if answered else (_met(txn, joined, others) if joined else None),
        "waited_s": (answered or joined or {}).get("t"),
        "voicemail": any(e["what"] == "leaves a voicemail" for e in txn.log),
        "hung_up": "caller" if any(e["who"] == me and e["what"] == "hangs up" for e in txn.log) else "system",
        "called_back": bool(calls_back),
        "callback_answered": any(e["who"] == me and e["what"] == "answers" for t in calls_back for e in t.log),
        "callback_by": callback_by,
        "lines": [f"{e['t'] + offset(txn):>7.1f}s  {e['who']}: {e['what']}" for e in txn.log]
        + [f"{e['t'] + offset(t):>7.1f}s  (callback) {e['who']}: {e['what']}" for t in calls_back for e in t.log],
    }
    result["summary"] = _summary(result, txn)
    return result


def _summary(o: dict[str, Any], txn: Txn) -> str:
    talk = _talk_s(txn)
    parts = []
    if o["keys"]:
        parts.append(f"pressed {' then '.join(o['keys'])}")
    if o["answered_by"] == "meeting":
        parts.append(f"joined the meeting after {o['waited_s']} s")
    elif o["answered_by"]:
        parts.append(f"answered by {o['answered_by']} after {o['waited_s']} s" + (f", talked {talk} s" if talk else ""))
    if o["voicemail"]:
        parts.append("left a voicemail")
    if o["called_back"]:
        parts.append(
            f"asked for a callback: called back by {o['callback_by'] or 'nobody'}"
            + (", answered it" if o["callback_answered"] else ", did not answer it")
        )
    if not o["answered_by"] and not o["voicemail"] and not o["called_back"]:
        parts.append(
            f"hung up after {txn.log[-1]['t']} s without an answer" if o["hung_up"] == "caller" else "was not answered"
        )
    parts.append("the caller hung up" if o["hung_up"] == "caller" else "the system ended the call")
    return "; ".join(parts)


def _talk_s(txn: Txn) -> float | None:
    start = next((e["t"] for e in txn.log if e["what"] == "answers"), None)
    end = next((e["t"] for e in reversed(txn.log) if e["what"] in ("hangs up", "call ends")), None)
    return round(end - start, 1) if start is not None and end is not None else None


def _met(txn: Txn, joined: dict[str, Any], others: list[Txn]) -> str:
    """A caller in a meeting with exactly one other phone (a ringall member who answered)
    was answered by that phone; in a conference (more, or nobody yet) by "meeting"."""
    met = [str(e["who"]) for t in others if t is not txn for e in t.log if e["what"] == joined["what"]]
    return met[0] if len(met) == 1 else "meeting"


def phone_report(number: str, txns: list[Txn]) -> dict[str, Any]:
    """An agent's (or any phone's) calls: how often it rang and answered, and with whom it talked."""
    lines = [f"{e['who']}: {e['what']}" for t in txns for e in t.log if e["who"] == number]
    talked_to = []
    for t in txns:
        a = t.legs["LEG-A"]
        if a.direction == "Inbound" and a.frm == number:  # this phone called in: who answered, or a meeting
            joined = next((e for e in t.log if e["what"].startswith("joins meeting")), None)
            other = next((e["who"] for e in t.log if e["what"] == "answers" and e["who"] != number), None)
            if joined or other:
                talked_to.append(f"meeting {joined['meeting_id'][:8]}" if joined else str(other))
            continue
        if not any(e["who"] == number and e["what"] == "answers" for e in t.log):
            continue
        if a.direction == "Inbound":
            talked_to.append(a.frm)
        else:  # a call the product placed: whoever it bridged or the meeting it joined
            other = next((leg for leg in t.legs.values() if leg.to != number), None)
            talked_to.append("?" if other is None else f"meeting {other.to[:8]}" if other.frm == "SMA" else other.to)
    return {
        "rang": sum(
            1 for t in txns for e in t.log if e["who"] == number and e["what"].startswith(("rings", "is called"))
        ),
        "answered": sum(1 for t in txns for e in t.log if e["who"] == number and e["what"] == "answers"),
        "talked_to": talked_to,
        "lines": lines,
    }


def print_report(report: dict[str, Any]) -> None:
    print(f"Scenario {report.get('scenario')}: {report.get('description') or ''}")
    callers = report.get("callers") or {}
    if callers:
        print("\nWhat happened to each caller:")
        width = max(len(n) for n in callers)
        for name, caller in callers.items():
            print(f"  {name:<{width}}  {caller.get('summary', '')}")
    agents = report.get("agents") or {}
    if agents:
        print("\nEach phone of the scenario (agents, people):")
        for number, agent in agents.items():
            talked = ", ".join(agent.get("talked_to") or []) or "nobody"
            print(f"  {number}  rang {agent['rang']}x, answered {agent['answered']}x, talked to {talked}")
    for name, entry in (report.get("call_log") or {}).items():
        if name == next(iter(report["call_log"])):
            print("\nThe call log (GET /admin/calls):")
        path = " → ".join(entry.get("steps") or entry.get("path") or [])
        print(f"  {name}: {entry.get('outcome')}, answered by {entry.get('answered_by')}; path {path}")
    for name, caller in callers.items():
        print(f"\n  caller {name}:")
        for line in caller["lines"]:
            print(f"    {line}")
    if report.get("unfinished_calls"):
        print(f"\n  calls still running at the end: {', '.join(report['unfinished_calls'])}")
    print()
    print(
        "OK: every outcome as expected" if report.get("ok") else "FAILED:\n  " + "\n  ".join(report.get("failures", []))
    )
