"""Row ids that arrive as text (URLs, form fields, query strings).

A row id is at most 9 ASCII digits, so it always fits the INTEGER id columns of SQLite and
PostgreSQL: a bigger or odd value is refused as bad input instead of reaching the database driver.
"""
import re
from typing import Optional

ROW_ID_MAX = 2**31 - 1
ROW_ID_PATTERN = r"^[0-9]{1,9}$"


def parse_row_id(text: str) -> Optional[int]:
    """The id `text` spells, or None when it is not one."""
    return int(text) if re.fullmatch(ROW_ID_PATTERN, text or "") else None
