"""The web switchboard's API (B1-B6, C1, C5): live view, call handling, directory, SMS centre,
statistics. Thin: parse, authorise, call one service function."""

from skysentral import clock
from skysentral.api.http import Api
from skysentral.api.switchboard_requests import AgentStatsQuery, QueueStatsQuery, StaffingQuery
from skysentral.domain.calendar import OSLO
from skysentral.domain.identity import ADMINS, SWITCHBOARD_AGENT
from skysentral.services import call_statistics

api = Api("skysentral-switchboard")
app = api.app

SWITCHBOARD = ADMINS | {SWITCHBOARD_AGENT}


# ---------------------------------------------------------------- statistics (B6)
def _days(query):
    first = query.date_from or clock.now().astimezone(OSLO).date()
    return first, query.date_to or first


@api.route("/switchboard/stats/queues", "GET", roles=SWITCHBOARD, query=QueueStatsQuery, errors=(400, 403, 404))
def get_queue_stats(identity, query):
    """B6: per queue and interval: offered, answered, abandoned, callbacks, service level, ASA, AHT."""
    first, last = _days(query)
    return call_statistics.queue_stats(identity.company_id, first, last, query.grain, query.queue_id, query.definition)


@api.route("/switchboard/stats/agents", "GET", roles=SWITCHBOARD, query=AgentStatsQuery, errors=(400, 403, 404))
def get_agent_stats(identity, query):
    """B6: per agent and interval: offered, answered, missed, talk and logged-in time, occupancy."""
    first, last = _days(query)
    return call_statistics.agent_stats(identity.company_id, first, last, query.grain, query.employee_id, clock.now())


@api.route("/switchboard/stats/realtime", "GET", roles=SWITCHBOARD, errors=(403,))
def get_realtime_stats(identity):
    """B6: per queue now: waiting, oldest wait, agents online/available/on call/wrap-up, today's figures."""
    return call_statistics.realtime(identity.company_id, clock.now())


@api.route("/switchboard/staffing", "GET", roles=SWITCHBOARD, query=StaffingQuery, errors=(400, 403, 404))
def get_staffing(identity, query):
    """B6: Erlang C agents and staff per opening-hours interval, from the last 4 weeks' counters."""
    day = query.day or clock.now().astimezone(OSLO).date()
    return call_statistics.staffing(
        identity.company_id,
        query.queue_id,
        day,
        query.target,
        query.target_s,
        query.shrinkage,
        query.interval_minutes,
    )
