"""Flow output laid out like AppFlow's S3 destination: ``<out>/<flow name>/<execution id>/<files>``.

One file per QueryData page (AppFlow's "don't aggregate"), or one file for the
whole run (``aggregate``). JSON lines keep each record exactly as the connector
sent it; CSV and Parquet decode it with the field types from DescribeEntity
(DECIMAL digits stay exact in both).
"""

from __future__ import annotations

import base64
import contextlib
import csv
import datetime as dt
import decimal
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from custom_connector_sdk.connector.fields import FieldDataType

from connector.types import ARROW_BY_FIELD_TYPE
from connector.value_rules import decimal_shape

__all__ = ["FORMATS", "INCOMPLETE_MARKER", "WRITE_FAILURES_FILE", "Format", "PageSink", "check_writable",
           "decode_record"]

Format = Literal["jsonl", "csv", "parquet"]
FORMATS: tuple[Format, ...] = ("jsonl", "csv", "parquet")
_EXTENSIONS: dict[Format, str] = {"jsonl": "jsonl", "csv": "csv", "parquet": "parquet"}


def decode_record(record: str) -> dict[str, Any]:
    """One record as the connector sent it, with exact decimals.

    >>> decode_record('{"total": 9.90, "n": 3}')
    {'total': Decimal('9.90'), 'n': 3}
    """
    return dict(json.loads(record, parse_float=decimal.Decimal))


def _json_text(value: Any) -> str:
    """JSON text of a decoded object or array (MySQL JSON numbers are doubles, so float is exact).

    >>> _json_text({"n": [1, decimal.Decimal("2.5")], "s": "ü"})
    '{"n": [1, 2.5], "s": "ü"}'
    """
    def plain(item: Any) -> Any:
        if isinstance(item, decimal.Decimal):
            return float(item)
        if isinstance(item, dict):
            return {key: plain(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [plain(inner) for inner in item]
        return item

    return json.dumps(plain(value), ensure_ascii=False)


class _FileWriter(Protocol):
    def write(self, records: Sequence[str]) -> None: ...

    def close(self) -> None: ...


class _JsonLines:
    def __init__(self, path: Path, fields: Sequence[Mapping[str, Any]]) -> None:
        self._file = path.open("w", encoding="utf-8", newline="\n")

    def write(self, records: Sequence[str]) -> None:
        self._file.writelines(record + "\n" for record in records)

    def close(self) -> None:
        self._file.close()


def _csv_cell(value: Any) -> str:
    """CSV text of a JSON value: empty for null, JSON for objects and arrays.

    >>> [_csv_cell(v) for v in (None, True, decimal.Decimal("9.90"), {"k": [1]}, "a,b")]
    ['', 'true', '9.90', '{"k": [1]}', 'a,b']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _json_text(value)
    return str(value)


class _Csv:
    def __init__(self, path: Path, fields: Sequence[Mapping[str, Any]]) -> None:
        self._names = [f["fieldName"] for f in fields]
        self._file = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(self._names)

    def write(self, records: Sequence[str]) -> None:
        for record in records:
            values = decode_record(record)
            self._writer.writerow([_csv_cell(values.get(name)) for name in self._names])

    def close(self) -> None:
        self._file.close()




def _arrow_column(field: Mapping[str, Any]) -> tuple[Any, Any]:
    """(pyarrow type, value converter) for one DescribeEntity field, by the type table's Arrow name."""
    import pyarrow as pa

    try:
        arrow = ARROW_BY_FIELD_TYPE.get(FieldDataType[str(field.get("dataType"))], "string")
    except KeyError:
        arrow = "string"
    label = str(field.get("dataTypeLabel") or "")

    def same(value: Any) -> Any:
        return value

    if arrow == "decimal128(p,s)":  # DECIMAL(p,s): decimal128 up to 38 digits, beyond that the exact digits as text
        precision, scale, _ = decimal_shape(label)
        if precision > 38:
            return pa.string(), lambda v: None if v is None else str(v)
        return pa.decimal128(precision, scale), lambda v: None if v is None else decimal.Decimal(v)
    columns: dict[str, tuple[Any, Any]] = {
        "bool": (pa.bool_(), same),
        "int64": (pa.int64(), same),
        "float64": (pa.float64(), lambda v: None if v is None else float(v)),
        "decimal128(20,0)": (pa.decimal128(20, 0), lambda v: None if v is None else decimal.Decimal(v)),
        "date32": (pa.date32(), lambda v: None if v is None else _epoch_days(v)),
        "timestamp[us,UTC]": (pa.timestamp("us", tz="UTC"), lambda v: None if v is None else _epoch_microseconds(v)),
        "bytes": (pa.binary(), lambda v: None if v is None else base64.b64decode(v)),
        "json-text": (pa.string(), lambda v: None if v is None else _json_text(v)),
    }
    return columns.get(arrow, (pa.string(), lambda v: None if v is None else str(v)))


# Python has no year 0; MySQL's year 0 is not a leap year, so it is year 1 less 365 days.
_YEAR0_DAYS = 365
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _epoch_days(text: str) -> int:
    """'YYYY-MM-DD' (year 0000 included) as days since 1970-01-01, Arrow's date32.

    >>> _epoch_days("1970-01-02"), _epoch_days("0000-12-31") == _epoch_days("0001-01-01") - 1
    (1, True)
    """
    year0 = text.startswith("0000")
    day = dt.date.fromisoformat("0001" + text[4:] if year0 else text)
    return (day - _EPOCH.date()).days - (_YEAR0_DAYS if year0 else 0)


def _epoch_microseconds(text: str) -> int:
    """ISO-8601 with an offset (year 0000 included) as microseconds since the epoch, Arrow's timestamp('us')."""
    year0 = text.startswith("0000")
    moment = dt.datetime.fromisoformat("0001" + text[4:] if year0 else text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - _EPOCH) // dt.timedelta(microseconds=1) - (_YEAR0_DAYS * 86_400_000_000 if year0 else 0)


class _Parquet:
    def __init__(self, path: Path, fields: Sequence[Mapping[str, Any]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._names = [f["fieldName"] for f in fields]
        columns = [_arrow_column(f) for f in fields]
        self._converters = [convert for _, convert in columns]
        self._schema = pa.schema([pa.field(name, kind) for name, (kind, _) in zip(self._names, columns, strict=True)])
        self._writer = pq.ParquetWriter(path, self._schema)

    def write(self, records: Sequence[str]) -> None:
        import pyarrow as pa

        decoded = [decode_record(r) for r in records]
        arrays = [pa.array([convert(row.get(name)) for row in decoded], type=kind)
                  for name, convert, kind in zip(self._names, self._converters, self._schema.types, strict=True)]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))

    def close(self) -> None:
        self._writer.close()


_WRITERS: dict[Format, type[_JsonLines] | type[_Csv] | type[_Parquet]] = {
    "jsonl": _JsonLines, "csv": _Csv, "parquet": _Parquet}


class PageSink:
    """Writes QueryData pages into one execution's directory; ``files`` lists what was written.

    The directory is made with the first file, so a run that fails before its first page leaves
    no empty ``<execution id>/`` folder behind.
    """

    def __init__(self, directory: Path, fmt: Format, fields: Sequence[Mapping[str, Any]],
                 aggregate: bool = False) -> None:
        self.directory = directory
        self.format = fmt
        self.files: list[Path] = []
        self._fields = list(fields)
        self._aggregate = aggregate
        self._open: _FileWriter | None = None

    def _new_file(self) -> _FileWriter:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"part-{len(self.files):05d}.{_EXTENSIONS[self.format]}"
        self.files.append(path)
        return _WRITERS[self.format](path, self._fields)

    def write_page(self, records: Sequence[str]) -> None:
        if not records and (not self._aggregate or self._open is not None):
            return  # an empty page makes no file (one empty file when the whole flow is empty)
        if self._open is None:
            self._open = self._new_file()
        self._open.write(records)
        if not self._aggregate:
            self.close()

    def close(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None

    def finish(self) -> None:
        """End a complete run: close the open file; a run that read no record still has its (empty) folder."""
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)


INCOMPLETE_MARKER = "_INCOMPLETE"
WRITE_FAILURES_FILE = "_write_failures.jsonl"


def check_writable(directory: Path) -> None:
    """Raise ValueError, naming the folder and why, unless files can be created in ``directory``.

    Made and removed again (with any parent it had to make), so a run that stops before its first
    page leaves nothing behind. Creating a file is the test: permissions alone would pass for root,
    and a path under a regular file or on a read-only mount fails for everyone.
    """
    made: list[Path] = []
    missing = directory
    while not missing.exists() and missing.parent != missing:
        made.append(missing)
        missing = missing.parent
    try:
        if not missing.is_dir():
            msg = f"{missing} is a file, not a folder"
            raise ValueError(msg)
        for path in reversed(made):
            path.mkdir()
        probe = directory / f".appflow-mysql-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        msg = f"{exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")
        raise ValueError(msg) from None
    finally:
        for path in made:
            with contextlib.suppress(OSError):
                path.rmdir()
