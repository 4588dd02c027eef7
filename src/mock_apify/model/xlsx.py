"""Dataset items as an xlsx workbook, written by XlsxWriter in its constant-memory mode: each row
goes to a temporary file as it comes and the workbook is zipped at the end, so memory stays flat
however many items there are. The one writer that spills to (temporary) files."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

import xlsxwriter

from .formats import cell
from .types import Record

# Excel's limits: rows per sheet (the header takes one) and characters per cell.
MAX_ROWS = 1_048_576
MAX_CELL = 32_767
_SPOOL = 8 * 1024 * 1024  # workbooks up to this size never touch the disk
_CHUNK = 64 * 1024


def _write(sheet: Any, at: int, values: Iterable[Any]) -> None:
    """Numbers as numbers, everything else as text (formulas never: a cell is data)."""
    for column, value in enumerate(values):
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e300:
            sheet.write_number(at, column, value)
        else:
            sheet.write_string(at, column, cell(value)[:MAX_CELL])


def workbook(columns: list[str], header: bool, chunks: Iterable[list[Record]]) -> Iterator[bytes]:
    """The workbook of the table rows (`formats.row`) of `chunks`, a chunk of bytes at a time once
    it is complete; rows past Excel's last are left out."""
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as file:
        book = xlsxwriter.Workbook(file, {"constant_memory": True, "strings_to_numbers": False})
        sheet = book.add_worksheet()
        at = 0
        if header:
            _write(sheet, at, columns)
            at += 1
        for items in chunks:
            for cells in items:
                if at < MAX_ROWS:
                    _write(sheet, at, (cells.get(c) for c in columns))
                    at += 1
        book.close()
        file.seek(0)
        while chunk := file.read(_CHUNK):
            yield chunk
