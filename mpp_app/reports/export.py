"""The one rule every cell of a CSV or XLSX export passes through.

Agency, service, counter and staff names are typed by people, and a spreadsheet opening the
export would run a name such as =HYPERLINK("http://…"&A1) as a formula (CSV injection, OWASP).
Following OWASP, text starting with =, +, - or @ (what Excel and LibreOffice read as a formula)
or with a tab or carriage return (which some importers strip before looking) gets a leading
single quote, so it is shown as the text it is. openpyxl stores any string starting with "="
as a formula; after this rule none does.
"""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """A value as an export cell: text neutralised, numbers and dates untouched (they stay
    numbers a spreadsheet can sum; a negative number is not text and needs no quote)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row(values) -> list:
    return [cell(value) for value in values]
