"""The one rule every cell of a CSV or XLSX export passes through, and the CSV a spreadsheet of the
user's language opens as columns of numbers.

Agency, service, counter and staff names are typed by people, and a spreadsheet opening the
export would run a name such as =HYPERLINK("http://…"&A1) as a formula (CSV injection, OWASP).
Following OWASP, text starting with =, +, - or @ (what Excel and LibreOffice read as a formula)
or with a tab or carriage return (which some importers strip before looking) gets a leading
single quote, so it is shown as the text it is. openpyxl stores any string starting with "="
as a formula; after this rule none does.
"""
import csv
import io
from decimal import Decimal

from babel.numbers import get_decimal_symbol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DAY_FORMAT = "DD-MM-YYYY"  # XLSX days as the forms write them, whatever the spreadsheet's language


def cell(value):
    """A value as an export cell: text neutralised, numbers and dates untouched (they stay
    numbers a spreadsheet can sum; a negative number is not text and needs no quote)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row(values) -> list:
    return [cell(value) for value in values]


def csv_file(rows, locale) -> bytes:
    """The rows as CSV for a spreadsheet set to `locale`: where the language writes a decimal comma
    (Indonesian), Excel splits columns on ";" and reads "12,5" as a number, so the file uses both;
    otherwise "," and "12.5". UTF-8 with a byte order mark, without which Excel reads it as ANSI.
    Every cell passes through `row` first; numbers are written after it, so none is ever quoted."""
    decimal = get_decimal_symbol(locale)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if decimal == "," else ",")
    for values in rows:
        writer.writerow([_number(value, decimal) for value in row(values)])
    return buffer.getvalue().encode("utf-8-sig")


def _number(value, decimal: str):
    if isinstance(value, (float, Decimal)):
        return str(value).replace(".", decimal)
    return value
