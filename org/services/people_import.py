"""Import and sync people from CSV: an upsert by email that either applies whole or not at all.

Columns: email, name, team (a path such as "Engineering/Platform/SRE"); optional role, time_zone,
language, manages (team paths separated by "|"), active. Every bad row is reported by its line
number; a file with any bad row writes nothing. A full sync deactivates the active people missing
from the file (never deletes them) and refuses to deactivate more than 40 % unless forced.
This module reads the file; the rows are checked by `people_rows` and applied by `people_apply`,
the same path as the API's bulk upsert. The HR screen runs it in the background (`import_jobs`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from typing import IO

from auditlog.context import set_actor

from org.models import Person
from org.services.people_apply import MAX_DEACTIVATE_SHARE, ImportResult, people_rows_sync
from org.services.people_rows import PersonRow, people_rows_check

__all__ = ["MAX_DEACTIVATE_SHARE", "ImportFileError", "ImportResult", "people_import"]

REQUIRED_COLUMNS = ("email", "name", "team")
OPTIONAL_COLUMNS = ("role", "time_zone", "language", "manages", "active")
MAX_BYTES = 32 * 1024 * 1024
TRUE = {"1", "true", "yes", "y", "active"}
FALSE = {"0", "false", "no", "n", "inactive"}
ACTIVE_WORDS = TRUE | FALSE


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not CSV, wrong columns, too big)."""


def people_csv_text(content: bytes | str) -> str:
    """The file as text, or ImportFileError when it is too big or not UTF-8."""
    if isinstance(content, str):
        return content
    if len(content) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("The file is not UTF-8 text.") from exc


def people_csv_header_check(upload: IO[bytes] | bytes) -> bytes:
    """The upload's bytes once its size, encoding and header row are right (ImportFileError if
    not): what can be told at once, before the rows are checked in the background."""
    content = upload if isinstance(upload, bytes) else upload.read(MAX_BYTES + 1)
    text = people_csv_text(content)
    _csv_reader(text.split("\n", 1)[0] + "\n")
    return content


def _csv_reader(text: str) -> tuple[csv.DictReader, list[str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV: {exc}.") from exc
    if any("\0" in h for h in header):
        raise ImportFileError("The file is not a CSV text file (its header holds NUL bytes).")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            f"The header row must name the columns {', '.join(REQUIRED_COLUMNS)}; "
            f"missing: {', '.join(missing)}."
        )
    unknown = [h for h in header if h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise ImportFileError(f"Unknown columns: {', '.join(unknown)}.")
    return reader, header


def people_csv_rows(
    text: str, *, errors: list[tuple[int, str]], progress: Callable[[int], None] | None = None
) -> Iterator[PersonRow]:
    """The file's rows as they stand; a row that cannot even be read goes to `errors`."""
    reader, header = _csv_reader(text)
    reader.fieldnames = header
    with_manages = "manages" in header
    n = 0
    try:
        for record in reader:
            n += 1
            if progress is not None and n % 2000 == 0:
                progress(n)
            line = reader.line_num
            if None in record:
                errors.append((line, "more fields than the header has columns"))
                continue
            get = record.get
            active_raw = (get("active") or "").strip().lower()
            if active_raw and active_raw not in ACTIVE_WORDS:
                errors.append((line, f"active “{active_raw[:20]}” should be yes or no"))
                continue
            yield PersonRow(
                line=line, email=get("email") or "", name=get("name") or "",
                team=get("team") or "", role=get("role") or "",
                time_zone=get("time_zone") or "", language=get("language") or "",
                manages=tuple(p for p in (get("manages") or "").split("|") if p.strip())
                if with_manages else None,
                active=None if not active_raw else active_raw not in FALSE,
            )  # fmt: skip
    except csv.Error as exc:
        raise ImportFileError(
            f"The file is not valid CSV (line {reader.line_num}: {exc})."
        ) from exc
    if n == 0:
        raise ImportFileError("The file has a header but no people.")


def people_import(
    *,
    content: bytes | str,
    full_sync: bool = False,
    force: bool = False,
    dry_run: bool = False,
    actor: Person | None = None,
    source: str = "",
    progress: Callable[[int], None] | None = None,
    checked: Callable[[], None] | None = None,
) -> ImportResult:
    """Read, check and apply a people CSV in one transaction; nothing on any error or a dry run.

    `progress(rows read)` is called every few thousand rows while the file is read and checked,
    `checked()` once they all are, before they are compared with the organisation and written.
    """
    text = people_csv_text(content)
    errors: list[tuple[int, str]] = []
    rows, bad = people_rows_check(rows=people_csv_rows(text, errors=errors, progress=progress))
    errors = sorted(errors + bad)
    if checked is not None:
        checked()
    with set_actor(actor) if actor else nullcontext():
        return people_rows_sync(
            rows=rows, errors=errors, full_sync=full_sync, force=force, dry_run=dry_run,
            actor=actor, source=source,
        )  # fmt: skip
