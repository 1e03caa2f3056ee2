"""Spreadsheet-safe CSV cells, for every CSV the application lets someone download.

A cell whose text starts with = + - @, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula, so a team named ``=HYPERLINK(...)`` would become a live link in
the reader's spreadsheet. OWASP's rule (https://owasp.org/www-community/attacks/CSV_Injection)
is applied: such a cell is prefixed with a single quote, which spreadsheets show as text. We
also treat a line feed and the full-width forms of the four signs (U+FF1D, U+FF0B, U+FF0D,
U+FF20, which some spreadsheets fold into the ASCII ones) as dangerous. Numbers our code writes
(int, float, Decimal) stay numbers, a negative figure included: only text can carry a formula
(ADR 0026).
"""

from __future__ import annotations

import csv
import numbers
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell_neutralise(value: Any) -> Any:
    """The value as a CSV cell: text that a spreadsheet would run as a formula gets a leading
    single quote; numbers, booleans and None are written as they are."""
    if isinstance(value, numbers.Number) or value is None:
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through `csv_cell_neutralise`."""

    def __init__(self, out: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_cell_neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
