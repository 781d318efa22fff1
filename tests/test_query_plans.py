"""Every query of a hot path reads history through an index, never all of it (issue 17, item 1).

The pages and actions that run all day (issuing a ticket, the reception overview, call next and the
rest of an officer's cycle, the officer's waiting list and current ticket, the TV board, a citizen's
status page) are driven through the real app while every SQL statement is recorded with its
parameters. Each statement that touches a history table (a table that grows every day: tickets,
their events, the audit log, survey answers, failed logins) is then given to SQLite's
EXPLAIN QUERY PLAN, with the same parameters, on a raw connection to the same database file, and
its plan must not

- SCAN a history table: a SCAN walks the whole table, or the whole of an index (SCAN ... USING
  [COVERING] INDEX is still every row of history, only in another order). SQLite prints SEARCH
  whenever a WHERE term bounds the walk to part of an index, so "SCAN" is a full walk by
  definition, with no exception: a query that stops early only thanks to LIMIT (ORDER BY id DESC
  LIMIT 1) is written so that SQLite can SEARCH instead (max(id));
- USE TEMP B-TREE (for ORDER BY, GROUP BY or DISTINCT) in a statement on a history table: the
  sort's cost grows with the rows it sorts, and an index in the right order makes it unnecessary.

SQLite chooses a plan from the schema (its indexes and the shape of the query), not from the
number of rows, as long as no ANALYZE statistics exist (the app never runs ANALYZE), so the few
tickets of the test data give the plan that a database with years of history gets. On PostgreSQL
the planner weighs row counts; its check needs realistic data: tests/test_query_plans_postgres.py.
"""
import re
import sqlite3

import pytest

from .conftest import Staff, is_postgres
from .helpers import recording

pytestmark = pytest.mark.skipif(is_postgres(), reason="SQLite plans; PostgreSQL needs realistic row counts")

HISTORY = ("ticket", "ticket_event", "audit_log", "survey_response", "login_failure")
_HISTORY_WORD = re.compile(r'(?<![\w."])"?(' + "|".join(HISTORY) + r')"?(?![\w"])')
# FROM/JOIN ticket AS ticket_1: the plan names the table by its alias.
_ALIAS = re.compile(r'\b("?\w+"?)\s+AS\s+("?\w+"?)', re.IGNORECASE)
_ACCESS = re.compile(r"^(SCAN|SEARCH) (\w+)(?: AS (\w+))?(?: .*?)?(?: \((.*)\))?$")

# A SEARCH is bounded by what its index constraint pins down. An index on a column that history
# keeps adding to (service_id, counter_id, queue_agency_id alone) is still a walk through years of
# rows, so a SEARCH on tickets must pin one of these: the row itself, one business day, a time
# window (the wait estimate's 14 days: finished_at>?), or a counter's open tickets (counter_id and
# status, where the statement asks only for open statuses: a counter holds at most one).
_TICKET_KEYS = {"rowid=?", "public_token=?", "submission_key=?", "business_date=?"}
_CLOSED_STATUSES = {"done", "no_show", "cancelled"}
# A ticket's events are a handful; a row by its id is one.
_EVENT_KEYS = {"rowid=?", "ticket_id=?"}

# Sorts (USE TEMP B-TREE) that stay: each sorts rows of one business day only, and its plan must
# show so (a SEARCH of ticket by business_date=?), or this test fails. Each is bounded by the day's
# traffic, not by history; an index in their order would be paid by every ticket write, or does not
# exist (ORDER BY priority IS NULL, a GROUP BY over a join).
DAY_SORTS = {
    "reception overview: today's called and serving tickets by call time (at most one per counter)":
        r"WHERE ticket\.business_date = \? AND ticket\.status IN \(\?, \?\) ORDER BY ticket\.called_at$",
    "status page: the agency's called and serving tickets today, latest call first (one per counter)":
        r"ticket\.status IN \(\?, \?\) ORDER BY ticket\.called_at DESC, ticket\.id DESC LIMIT",
    "waiting list: the counter's waiting tickets today, priority first (ORDER BY priority IS NULL)":
        r"ORDER BY ticket\.priority IS NULL, ticket\.queued_at, ticket\.id LIMIT",
    "board: the latest call of each ticket called today (GROUP BY ticket)":
        r"GROUP BY ticket_event\.ticket_id( ORDER BY max\(ticket_event\.id\) DESC LIMIT \? OFFSET \?)?\)",
}


def history_tables(sql: str) -> set:
    """The history tables a statement names (as a table; a column such as ticket.id names it too)."""
    return {match.group(1) for match in _HISTORY_WORD.finditer(sql)}


def aliases(sql: str) -> dict:
    return {alias.strip('"'): table.strip('"') for table, alias in _ALIAS.findall(sql)}


def plan_of(path, sql, parameters) -> list:
    with sqlite3.connect(path) as raw:
        return [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + sql, parameters or ())]


def _statuses_asked(sql, parameters) -> set:
    """The values a statement's WHERE compares ticket.status with (status = ? or status IN (?, ...))."""
    where = sql.find("WHERE")
    asked = set()
    for match in re.finditer(r"\bstatus\s*(=\s*\?|IN\s*\(([?,\s]*)\))", sql[where:] if where >= 0 else ""):
        first = sql[:where + match.start()].count("?")
        count = match.group(2).count("?") if match.group(2) is not None else 1
        asked.update(map(str, (parameters or ())[first:first + count]))
    return asked


def _bounded(table, terms, sql, parameters) -> bool:
    if terms == {""} and re.match(r"SELECT (max|min)\(", sql):
        return True  # SQLite's min/max optimisation: one step to an end of the index (plan "SEARCH t")
    if table == "ticket":
        if terms & _TICKET_KEYS or any(term.startswith("finished_at>") for term in terms):
            return True
        return {"counter_id=?", "status=?"} <= terms and not _CLOSED_STATUSES & _statuses_asked(sql, parameters)
    if table == "ticket_event":
        return bool(terms & _EVENT_KEYS)
    return True  # audit_log, survey_response, login_failure: no hot path reads them (only INSERTs)


def _day_sort(sql: str):
    """The DAY_SORTS entry whose pattern the statement matches, or None."""
    flat = " ".join(sql.split())
    return next((reason for reason, pattern in DAY_SORTS.items() if re.search(pattern, flat)), None)


def violations(sql: str, plan: list, parameters=()) -> list:
    """The plan lines that read all of a history table, walk an unbounded part of it, or sort
    history in a temporary B-tree (unless a DAY_SORTS sort of one day's rows)."""
    names = aliases(sql)
    found = []
    day_bounded = False
    for line in plan:
        access = _ACCESS.match(line)
        if access:
            kind, name, alias, constraint = access.groups()
            table = names.get(alias or name, name)
            if table not in HISTORY:
                continue
            terms = set((constraint or "").split(" AND "))
            if kind == "SCAN":
                found.append(line)
            elif not _bounded(table, terms, sql, parameters):
                found.append(line + "  <- not bounded by a day, a row or an open ticket")
            day_bounded |= table == "ticket" and "business_date=?" in terms
        elif "USE TEMP B-TREE" in line:
            found.append(line)
    sorts = [line for line in found if "USE TEMP B-TREE" in line]
    if sorts and day_bounded and _day_sort(sql) and len(sorts) == len(found):
        return []
    return found


def check_plans(app, statements, path) -> list:
    """(statement, parameters, plan, offending lines, times seen) of every distinct recorded statement
    on history whose plan breaks the rule."""
    bad = {}
    for sql, parameters in statements:
        if not history_tables(sql):
            continue
        plan = plan_of(path, sql, parameters)
        offending = violations(sql, plan, parameters)
        if offending:
            key = (sql, tuple(plan))
            seen = bad.get(key)
            bad[key] = (sql, parameters, plan, offending, seen[4] + 1 if seen else 1)
    return list(bad.values())


def report(bad) -> str:
    return "\n\n".join(f"{' '.join(sql.split())}\n  parameters: {parameters!r} ({times} time(s))\n  plan:\n    "
                       + "\n    ".join(plan) + f"\n  offending: {offending}"
                       for sql, parameters, plan, offending, times in bad)


@pytest.fixture
def database_path(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


@pytest.fixture
def reception(app):
    return Staff(app.test_client()).login("resepsionis")


@pytest.fixture
def officer(app):
    return Staff(app.test_client()).login("petugas")


def issue_form(service_id, key):
    return {"service_id": service_id, "visitor_name": "Yohanes Ndun", "visitor_phone": "", "priority": "",
            "note": "", "submission_key": key, "override_reason": ""}


def dukcapil_service(session):
    from mpp_app.models import Counter
    return session.get(Counter, 1).services[0].id


def assert_flat(app, path, statements, what):
    touched = [sql for sql, _ in statements if history_tables(sql)]
    assert touched, f"{what}: no statement on history was recorded (is the hot path still driven?)"
    bad = check_plans(app, statements, path)
    assert not bad, f"{what}: {len(bad)} statement(s) read all of history or sort it:\n\n{report(bad)}"


# --- reception ------------------------------------------------------------------------------------

def test_issue_ticket(app, world, session, reception, database_path):
    service_id = dukcapil_service(session)
    with recording(app) as statements:
        response = reception.post("/reception/tickets", issue_form(service_id, "plan-key-1"), htmx=True)
        assert response.status_code == 200, response.get_data(as_text=True)
        # A repeated submit (the same key) answers with the ticket already issued.
        assert reception.post("/reception/tickets", issue_form(service_id, "plan-key-1"), htmx=True).status_code == 200
    assert_flat(app, database_path, statements, "POST /reception/tickets")


def test_priority_ticket_and_its_place(app, world, session, reception, database_path):
    """A priority ticket's place in line counts by another condition than a regular one's."""
    service_id = dukcapil_service(session)
    with recording(app) as statements:
        form = {**issue_form(service_id, "plan-key-2"), "priority": "lansia"}
        assert reception.post("/reception/tickets", form, htmx=True).status_code == 200
    assert_flat(app, database_path, statements, "POST /reception/tickets (priority)")


def test_reception_overview(app, world, reception, database_path):
    with recording(app) as statements:
        assert reception.get("/reception/overview", htmx=True).status_code == 200
    assert_flat(app, database_path, statements, "GET /reception/overview")


# --- an officer's cycle ---------------------------------------------------------------------------

def test_officer_cycle(app, world, session, reception, officer, database_path):
    """Start and finish the called ticket, then call next (twice: a regular and, with the agency's
    priority rule, a priority ticket), with the waiting list and current ticket polled between."""
    service_id = dukcapil_service(session)
    assert reception.post("/reception/tickets", {**issue_form(service_id, "k-p"), "priority": "lansia"},
                          htmx=True).status_code == 200
    from mpp_app.models import Agency, Counter
    counter = session.get(Counter, 1)
    session.get(Agency, counter.agency_id).priority_every = 2  # the rule that counts the regular streak
    session.commit()
    with recording(app) as statements:
        for step in ("start", "finish", "call-next"):
            response = officer.post(f"/counters/1/{step}", htmx=True)
            assert response.status_code == 200, (step, response.get_data(as_text=True))
            assert officer.get("/counters/1/waiting", htmx=True).status_code == 200
            assert officer.get("/counters/1/current", htmx=True).status_code == 200
        for step in ("recall", "start", "finish", "call-next"):
            assert officer.post(f"/counters/1/{step}", htmx=True).status_code == 200, step
    assert_flat(app, database_path, statements, "officer: start, finish, call next, waiting list, current")


def test_waiting_list_with_a_transferred_ticket(app, world, session, officer, database_path):
    """The waiting list looks up where transferred tickets came from (ticket_event)."""
    from mpp_app.models import Counter
    other = [s.id for s in session.get(Counter, 1).services[1:2]] or None
    assert other, "counter 1 serves one service only: transfer within the agency needs two"
    assert officer.post("/counters/1/transfer", {"service_id": other[0], "note": ""}, htmx=True).status_code == 200
    with recording(app) as statements:
        listed = officer.get("/counters/1/waiting", htmx=True)
        assert listed.status_code == 200
        assert officer.client.get("/counters/1/waiting", headers={
            "HX-Request": "true", "If-None-Match": listed.headers["ETag"]}).status_code == 304
        assert officer.get("/counters/1/current", htmx=True).status_code == 200
    assert_flat(app, database_path, statements, "GET /counters/1/waiting with a transferred ticket")


# --- public screens -------------------------------------------------------------------------------

def test_board_state(app, world, client, database_path):
    with recording(app) as statements:
        response = client.get("/board/state")
        assert response.status_code == 200
        assert client.get("/board/state", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
        assert client.get("/board/state?agencies=A").status_code == 200
    assert_flat(app, database_path, statements, "GET /board/state")


def test_citizen_status_page(app, world, client, database_path):
    with recording(app) as statements:
        assert client.get(f"/t/{world['waiting']}").status_code == 200
        card = client.get(f"/t/{world['waiting']}", headers={"HX-Request": "true"})
        assert card.status_code == 200
        unchanged = {"HX-Request": "true", "If-None-Match": card.headers["ETag"]}
        assert client.get(f"/t/{world['waiting']}", headers=unchanged).status_code == 304
        assert client.get(f"/t/{world['served']}", headers={"HX-Request": "true"}).status_code == 286
    assert_flat(app, database_path, statements, "GET /t/<token>")


# --- the check itself -----------------------------------------------------------------------------

@pytest.mark.parametrize("sql, plan, bad", [
    ("SELECT * FROM ticket", ["SCAN ticket"], True),
    ("SELECT id FROM ticket", ["SCAN ticket USING COVERING INDEX ix_ticket_queue"], True),
    ("SELECT * FROM ticket AS ticket_1", ["SCAN ticket_1"], True),
    ("SELECT * FROM ticket WHERE id = ?", ["SEARCH ticket USING INTEGER PRIMARY KEY (rowid=?)"], False),
    ("SELECT * FROM ticket WHERE service_id = ? ORDER BY finished_at",
     ["SEARCH ticket USING INDEX ix_ticket_service_id (service_id=?)", "USE TEMP B-TREE FOR ORDER BY"], True),
    ("SELECT * FROM ticket WHERE service_id = ? AND status = ? AND finished_at >= ? ORDER BY finished_at DESC",
     ["SEARCH ticket USING COVERING INDEX ix_ticket_service_recent (service_id=? AND status=? AND finished_at>?)"],
     False),
    # A counter's whole history, in an index on counter_id alone.
    ("SELECT * FROM counter, ticket", ["SCAN counter", "SEARCH ticket USING INDEX ix_ticket_counter_id (counter_id=?)"],
     True),
    ("SELECT * FROM counter, ticket", ["SCAN counter",
                                       "SEARCH ticket USING INDEX ix_ticket_counter_status (counter_id=? AND status=?)"],
     False),
    ("SELECT ticket_event.id FROM ticket_event ORDER BY ticket_event.id DESC LIMIT ?", ["SCAN ticket_event"], True),
    ("SELECT max(ticket_event.id) FROM ticket_event", ["SEARCH ticket_event"], False),
    ("SELECT ticket_event.id FROM ticket_event", ["SEARCH ticket_event"], True),
    # A sort of one day's rows, allowed by name only.
    ("SELECT * FROM ticket WHERE ticket.business_date = ? AND ticket.status IN (?, ?) ORDER BY ticket.called_at",
     ["SEARCH ticket USING INDEX ix_ticket_business_date_status (business_date=? AND status=?)",
      "USE TEMP B-TREE FOR ORDER BY"], False),
    ("SELECT * FROM ticket WHERE ticket.business_date = ? AND ticket.status IN (?, ?) ORDER BY ticket.issued_at",
     ["SEARCH ticket USING INDEX ix_ticket_business_date_status (business_date=? AND status=?)",
      "USE TEMP B-TREE FOR ORDER BY"], True),
])
def test_the_rule(sql, plan, bad):
    assert bool(violations(sql, plan)) is bad


def test_counter_and_status_bound_only_open_statuses():
    line = ["SEARCH ticket USING INDEX ix_ticket_counter_status (counter_id=? AND status=?)"]
    assert not violations("SELECT * FROM ticket WHERE counter_id = ? AND status = ?", line, (1, "called"))
    assert violations("SELECT * FROM ticket WHERE counter_id = ? AND status = ?", line, (1, "done"))
    assert violations("SELECT * FROM ticket WHERE counter_id = ? AND status IN (?, ?)", line, (1, "called", "done"))
    # The value set is not a value asked for.
    assert not violations("UPDATE ticket SET status=?, finished_at=? WHERE ticket.counter_id = ? AND ticket.status IN (?)",
                          line, ("done", "2026-11-30", 1, "serving"))
