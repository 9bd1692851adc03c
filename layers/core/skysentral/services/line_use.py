"""F6: the private/work decision put on each line as it is rated (rating calls `classify`
just before it stores lines). Kept apart from services.invoice_control so the rating path
loads only the policies and their store."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from skysentral.domain.calendar import month_start_utc
from skysentral.domain.invoice_control import policies
from skysentral.domain.invoice_control.policies import WORK, PolicySet
from skysentral.domain.rating import RatedLine
from skysentral.store import invoice_control_repository as store
from skysentral.store.directory_repository import Directory

CACHE_LIFETIME_S = 60.0


class PolicyCache:
    """A company's policy versions and department tree, kept in the warm function for at
    most `lifetime_s`: rating classifies a batch without reading them per line."""

    def __init__(self, lifetime_s: float = CACHE_LIFETIME_S, monotonic: Callable[[], float] = time.monotonic):
        self.lifetime_s, self._monotonic = lifetime_s, monotonic
        self._companies: dict[str, tuple[float, list[PolicySet], dict[str, str | None]]] = {}

    def clear(self) -> None:
        self._companies.clear()

    def of(self, company_id: str) -> tuple[list[PolicySet], dict[str, str | None]]:
        now = self._monotonic()
        cached = self._companies.get(company_id)
        if cached and now - cached[0] < self.lifetime_s:
            return cached[1], cached[2]
        versions = store.policy_versions(company_id)
        parents = {d.department_id: d.parent_id for d in Directory(company_id).departments()} if versions else {}
        self._companies[company_id] = (now, versions, parents)
        return versions, parents


default_cache = PolicyCache()


def department_chain(parents: dict[str, str | None], department_id: str) -> list[str]:
    """The department, then its parent, up to the top (a cycle stops the walk)."""
    chain: list[str] = []
    current: str | None = department_id
    while current and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def decide(line: RatedLine, versions: list[PolicySet], parents: dict[str, str | None]) -> RatedLine:
    """F6: the line with its use, the rule that decided and the policy version (a company
    without settings: every line is work, rule `no_policy`)."""
    if line.use is not None:
        return line
    at = _line_time(line)
    version = policies.at_instant(versions, at) if versions else None
    if version is None:
        return replace(line, use=WORK, use_rule="no_policy", policy_version=0)
    decision = version.decide(line, department_chain(parents, line.department_id))
    return replace(line, use=decision.use, use_rule=decision.rule, policy_version=version.version)


def classify(lines: list[RatedLine], cache: PolicyCache | None = None) -> list[RatedLine]:
    """F6: every line classified by its company's policies in force at its start (rating
    calls this just before it stores the lines)."""
    cache = cache or default_cache
    out = []
    for line in lines:
        versions, parents = cache.of(line.company_id)
        out.append(decide(line, versions, parents))
    return out


def _line_time(line: RatedLine) -> datetime:
    if line.started_at:
        return policies.instant(line.started_at)
    return month_start_utc(line.month)  # a fee line: the month it is for
