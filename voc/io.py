"""Reading feedback files and writing result tables.

:func:`read_feedback` reads CSV/TSV/TXT, XLSX/XLSM, JSON, JSON Lines and Parquet into a raw
DataFrame. The format is checked against the file's *content* (a workbook renamed to ``.csv``
is reported, not misread); text encodings and delimiters are sniffed; ragged CSV rows are
reported with their row and line numbers in ``df.attrs["voc_problems"]`` (picked up by
:func:`voc.schema.validate`). Every failure is an :class:`~voc.errors.InputFileError` that says
what was expected, what was found and how to fix it.

:func:`write_table` writes CSV, TSV, XLSX, Parquet, JSON and JSON Lines atomically.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import re
import stat
import sys
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, NoReturn

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from voc.errors import InputFileError, VocError
from voc.schema import Problem

__all__ = [
    "SUPPORTED_INPUT",
    "SUPPORTED_OUTPUT",
    "read_feedback",
    "sniff_encoding",
    "write_table",
]

SUPPORTED_INPUT = (
    ".csv",
    ".tsv",
    ".txt",
    ".xlsx",
    ".xlsm",
    ".json",
    ".jsonl",
    ".ndjson",
    ".parquet",
)
SUPPORTED_OUTPUT = (".csv", ".tsv", ".xlsx", ".parquet", ".json", ".jsonl")

_FORMAT_BY_EXT = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}
_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_JSON_RECORD_KEYS = ("data", "records", "rows", "items", "responses")
_SAMPLE_BYTES = 1 << 16  # 64 KiB for encoding/delimiter sniffing
_HEADER_SAMPLE_BYTES = 1 << 20  # 1 MiB to find the header record
_PYARROW_BLOCK_BYTES = 16 << 20  # a single CSV record may be up to this long on the fast path

# magic numbers of binary containers
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_PARQUET_MAGIC = b"PAR1"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OTHER_MAGIC = {
    b"\x1f\x8b": ("a gzip-compressed file", "decompress it first and read the file inside"),
    b"%PDF": ("a PDF document", "export the data from its source as CSV or XLSX"),
    b"\x89PNG": ("a PNG image", "choose the data file (CSV, XLSX, JSON or Parquet) instead"),
    b"\xff\xd8\xff": ("a JPEG image", "choose the data file (CSV, XLSX, JSON or Parquet) instead"),
    b"SQLite format 3": ("an SQLite database", "export the table as CSV or Parquet"),
    b"7z\xbc\xaf": ("a 7-Zip archive", "extract it first and read the file inside"),
    b"Rar!": ("a RAR archive", "extract it first and read the file inside"),
}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


# --------------------------------------------------------------------------------------------
# Encoding sniffing
# --------------------------------------------------------------------------------------------


def _binary_error(found: str) -> InputFileError:
    return InputFileError(
        expected="a text file (CSV/TSV/JSON) or an XLSX/Parquet file",
        found=found,
        fix="check that you chose the right file; export the data as CSV (UTF-8) or XLSX",
    )


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when the NUL bytes sit on one side of each byte pair."""
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / len(odd)
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _is_valid_utf8(raw: bytes | memoryview, chunk: int = 4 << 20) -> bool:
    """Strict UTF-8 check in chunks (no copy of a large file as one string)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    view = memoryview(raw)
    try:
        for start in range(0, len(view), chunk):
            decoder.decode(view[start : start + chunk], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _trim_to_line(sample: bytes) -> bytes:
    """Cut a byte sample after its last newline so no multi-byte character is split."""
    cut = sample.rfind(b"\n")
    return sample[: cut + 1] if cut > 0 else sample


_CYRILLIC_LETTERS = frozenset(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯіїєґўІЇЄҐЎ"
)
_CYRILLIC_VOWELS = frozenset("аеёиоуыэюяіїєАЕЁИОУЫЭЮЯІЇЄ")
_COMMON_SYMBOLS = frozenset("«»“”„‘’‚–—…°№•·§©®™€±×÷\xa0")


def _plausibility(text: str, encoding: str) -> float:
    """Share (0..1) of the non-ASCII content of ``text`` that looks like real writing for the
    encoding: Russian/Ukrainian words for cp1251, common Chinese characters for gb18030,
    accented letters inside Latin words for cp1252/latin-1, and common punctuation."""
    if encoding == "gb18030":
        chars = [c for c in text if ord(c) > 0x7F]
        if not chars:
            return 0.0
        good = 0
        for c in chars:
            try:
                lead = c.encode("gb2312")[0]
            except UnicodeEncodeError:
                continue
            # GB2312 rows A1-A3: CJK punctuation and full-width forms; B0-D7: the 3,755 most
            # common characters.
            good += 0xA1 <= lead <= 0xA3 or 0xB0 <= lead <= 0xD7
        return good / len(chars)
    words = [w for w in re.findall(r"[^\W\d_]+", text) if not w.isascii()]
    symbols = [c for c in re.sub(r"[^\W\d_]+", "", text) if ord(c) > 0x7F]
    if not words and not symbols:
        return 0.0
    good = sum(c in _COMMON_SYMBOLS for c in symbols)
    for w in words:
        cased = w.islower() or w.isupper() or w.istitle()
        if encoding == "cp1251":
            good += (
                cased
                and all(c in _CYRILLIC_LETTERS for c in w)
                and (len(w) < 3 or any(c in _CYRILLIC_VOWELS for c in w))
            )
        else:  # cp1252 / latin-1: accented letters inside otherwise ASCII Latin words
            latin = all(ord(c) < 0x250 for c in w)
            good += cased and latin and (len(w) <= 2 or any(c.isascii() for c in w))
    return good / (len(words) + len(symbols))


def sniff_encoding(raw: bytes) -> str:
    """Guess the text encoding of ``raw`` (a whole file or a large prefix of it).

    Order: byte-order marks (UTF-32, UTF-8, UTF-16), BOM-less UTF-16, strict UTF-8, then the
    most plausible of cp1251 (Cyrillic), gb18030 (Chinese) and cp1252/latin-1 (western
    European; latin-1 is the last resort). Returns a Python codec name such as ``"utf-8"``,
    ``"utf-8-sig"``, ``"utf-16"``, ``"cp1251"``, ``"gb18030"``, ``"cp1252"`` or ``"latin-1"``.

    Raises:
        InputFileError: ``raw`` contains NUL bytes but is not UTF-16/32, i.e. binary data.
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    sample = raw[:_SAMPLE_BYTES]
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    if b"\x00" in raw:
        _raise_binary_nul(raw)
    if _is_valid_utf8(raw):
        return "utf-8"
    # Judge the text around the first non-ASCII byte (a 64 KiB region cut at line ends).
    match = re.search(rb"[\x80-\xff]", raw)
    first_high = match.start() if match else 0
    start = max(0, first_high - 1024)
    start = raw.rfind(b"\n", 0, start) + 1 if start else 0
    region = _trim_to_line(raw[start : start + _SAMPLE_BYTES]) or raw[start:]
    scores: list[tuple[float, int, str]] = []
    western = "cp1252" if re.search(rb"[\x80-\x9f]", region) else "latin-1"
    for priority, enc in enumerate(("gb18030", "cp1251", western)):
        try:
            text = region.decode(enc)
        except UnicodeDecodeError:
            continue
        scores.append((_plausibility(text, enc), -priority, enc))
    best = max(scores, default=(0.0, 0, western))
    # latin-1/cp1252 is the last resort: used unless another encoding gives plausible text.
    return best[2] if best[0] >= 0.5 else western


def _raise_binary_nul(raw: bytes) -> NoReturn:
    n = raw.count(b"\x00")
    raise _binary_error(f"binary data ({n:,} NUL bytes, which text files do not contain)")


def _codec_name(encoding: str) -> str:
    """Python's canonical name of an encoding ("UTF8" -> "utf-8")."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputFileError(
            expected="a known text encoding such as utf-8, cp1251, gb18030 or latin-1",
            found=f"the unknown encoding {encoding!r}",
            fix="pass a valid encoding name, or none at all to have it detected",
        ) from None


def _decode_text(raw: bytes, encoding: str | None) -> tuple[str, str]:
    """Decode a whole text file; returns (text without BOM, encoding used)."""
    enc = encoding or sniff_encoding(raw)
    wide = _codec_name(enc).startswith(("utf-16", "utf-32"))
    if encoding is not None and not wide and b"\x00" in raw:
        _raise_binary_nul(raw)
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            expected=f"text in the {enc} encoding",
            found=f"bytes that are not valid {enc} at byte {exc.start:,} ({exc.reason})",
            fix="omit the encoding to have it detected, or re-save the file as UTF-8",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if _looks_binary(text):
        raise _binary_error(f"binary data (control characters when read as {enc} text)")
    return text, enc


def _looks_binary(text: str) -> bool:
    """More than 1 % control characters (other than TAB/CR/LF/FF) in the first 64 KiB."""
    sample = text[:_SAMPLE_BYTES]
    return bool(sample) and len(_CONTROL_RE.findall(sample)) > 0.01 * len(sample)


# --------------------------------------------------------------------------------------------
# Content sniffing
# --------------------------------------------------------------------------------------------


def _is_xlsx_zip(raw: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _looks_like_json(text: str) -> str | None:
    """``"json"``, ``"jsonl"`` or None for the given (decoded) text."""
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        json.loads(stripped)
        return "json"
    except json.JSONDecodeError:
        pass
    first = stripped.split("\n", 1)[0].strip()
    try:
        return "jsonl" if isinstance(json.loads(first), dict) else None
    except json.JSONDecodeError:
        return None


def _describe_content(raw: bytes) -> tuple[str, str, str]:
    """(kind, description, fix) of what ``raw`` really is, for format-mismatch messages."""
    if raw.startswith(_ZIP_MAGIC):
        if _is_xlsx_zip(raw):
            return "xlsx", "an XLSX workbook (a zip file)", "rename the file to .xlsx"
        return "zip", "a zip archive that is not an Excel workbook", "extract it first"
    if raw.startswith(_PARQUET_MAGIC):
        return "parquet", "a Parquet file", "rename the file to .parquet"
    if raw.startswith(_OLE2_MAGIC):
        return (
            "ole2",
            "a legacy Excel .xls or a password-protected workbook (an OLE2 file)",
            "open it in Excel, remove any password and save it as .xlsx or CSV (UTF-8)",
        )
    for magic, (desc, fix) in _OTHER_MAGIC.items():
        if raw.startswith(magic):
            return "binary", desc, fix
    try:
        head = raw if len(raw) <= 4 * _SAMPLE_BYTES else _trim_to_line(raw[: 4 * _SAMPLE_BYTES])
        text, _ = _decode_text(head, None)
    except InputFileError:
        return "binary", "binary data", "choose the data file (CSV, XLSX, JSON or Parquet)"
    if not text.strip():
        return "empty", "an empty file", "export the data again"
    as_json = _looks_like_json(text)
    if as_json is None and text.lstrip().startswith("["):
        as_json = "json"  # a large array cut off by the sample
    if as_json == "json":
        return "json", "JSON text", "rename the file to .json"
    if as_json == "jsonl":
        return "jsonl", "JSON Lines text (one object per line)", "rename the file to .jsonl"
    delim = _sniff_delimiter(text[:_SAMPLE_BYTES], default=",")
    kind = "tsv" if delim == "\t" else "csv"
    return (
        kind,
        f"plain text that looks like {kind.upper()} ({_DELIMITER_NAMES[delim]}-separated)",
        f"rename the file to .{kind}",
    )


def _check_content(raw: bytes, fmt: str, name: str) -> None:
    """Raise when the content is not what the extension promises (binary containers only;
    text problems such as binary data, encodings or JSON syntax are reported by the readers)."""
    if fmt == "xlsx" and raw.startswith(_ZIP_MAGIC) and _is_xlsx_zip(raw):
        return
    if fmt == "parquet" and raw.startswith(_PARQUET_MAGIC):
        return
    is_container = raw.startswith((*_ZIP_MAGIC, _PARQUET_MAGIC, _OLE2_MAGIC, *_OTHER_MAGIC))
    if fmt in ("csv", "tsv", "json", "jsonl") and not is_container:
        return
    expected = {
        "xlsx": "an XLSX workbook (a zip file)",
        "parquet": "a Parquet file",
        "csv": "delimited text (CSV)",
        "tsv": "tab-separated text (TSV)",
        "json": "JSON text",
        "jsonl": "JSON Lines text (one JSON object per line)",
    }[fmt]
    _, desc, fix = _describe_content(raw)
    raise InputFileError(expected=f"{expected}, as the name {name!r} says", found=desc, fix=fix)


# --------------------------------------------------------------------------------------------
# Source handling
# --------------------------------------------------------------------------------------------


def _load_source(
    source: str | os.PathLike[str] | bytes | IO[bytes], filename: str | None
) -> tuple[bytes, str | None, str | None]:
    """(raw bytes, name used for the extension, path for the record)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), filename, filename
    if isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        try:
            exists = path.exists()
        except OSError as exc:  # e.g. a name too long: someone passed file content as a path
            raise InputFileError(
                expected="the path of a feedback file",
                found=f"a string that is not a usable path ({exc.strerror}): {str(source)[:60]!r}",
                fix="pass the file path; to read text you already have, pass it as bytes "
                "with filename='data.csv'",
            ) from None
        if not exists:
            parent = path.parent if str(path.parent) else Path(".")
            near = sorted(p.name for p in parent.glob("*") if p.suffix.lower() in SUPPORTED_INPUT)
            listing = f" Files there: {', '.join(near[:10])}." if near else ""
            raise InputFileError(
                expected="an existing feedback file",
                found=f"no file at {str(path)!r}",
                fix=f"check the path and the file name.{listing}",
            )
        if not path.is_file():
            raise InputFileError(
                expected="a feedback file",
                found=f"{str(path)!r}, which is a directory",
                fix="pass the path of a file inside it",
            )
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputFileError(
                expected=f"a readable file at {str(path)!r}",
                found=f"an error while reading it: {exc}",
                fix="check the file permissions and that no other program locks it",
            ) from None
        return raw, filename or path.name, str(path)
    if hasattr(source, "read"):
        data = source.read()
        name = filename or getattr(source, "name", None)
        name = name if isinstance(name, str) else None
        if isinstance(data, str):
            raise InputFileError(
                expected="a file opened in binary mode (bytes)",
                found="a text-mode file object (str)",
                fix="open the file with mode 'rb', or pass its path",
            )
        return bytes(data), name, name
    raise InputFileError(
        expected="a file path, bytes or a binary file object",
        found=f"an object of type {type(source).__name__}",
        fix="pass the path of the file (str or pathlib.Path) or its bytes",
    )


_UNSUPPORTED_HINTS = {
    ".xls": (
        "a legacy Excel 97-2003 workbook",
        "open it in Excel and save it as .xlsx or CSV (UTF-8)",
    ),
    ".gz": ("a compressed file", "decompress it first and read the file inside"),
    ".zip": ("a zip archive", "extract the data file first"),
}


def _format_for(name: str | None, raw: bytes) -> str:
    """The format named by the extension; from the content when there is no name."""
    ext = Path(name).suffix.lower() if name else ""
    if ext in _FORMAT_BY_EXT:
        return _FORMAT_BY_EXT[ext]
    if ext:
        what, fix = _UNSUPPORTED_HINTS.get(
            ext, ("", "export the data as CSV (UTF-8) or XLSX, or rename it if it is one")
        )
        raise InputFileError(
            expected=f"a file with one of the extensions {', '.join(SUPPORTED_INPUT)}",
            found=f"{name!r} ({what})" if what else f"{name!r} with the extension {ext!r}",
            fix=fix,
        )
    kind, desc, fix = _describe_content(raw)
    if kind in ("xlsx", "parquet", "json", "jsonl", "csv", "tsv"):
        return kind
    if kind == "empty":
        return "csv"
    raise InputFileError(
        expected="CSV, TSV, XLSX, JSON, JSON Lines or Parquet data", found=desc, fix=fix
    )


def _empty_error(what: str) -> InputFileError:
    return InputFileError(
        expected="a file with a header row and at least one data row",
        found=what,
        fix="check that you exported the right file and that the export finished",
    )


# --------------------------------------------------------------------------------------------
# Delimited text
# --------------------------------------------------------------------------------------------


def _sniff_delimiter(sample: str, default: str) -> str:
    """Pick the delimiter among , ; TAB | that splits the header into the most columns while
    keeping the field count of the following records (quote-aware) consistent."""
    truncated = not sample.endswith(("\n", "\r"))
    best: tuple[float, int, int, str] | None = None
    for order, delim in enumerate(_DELIMITERS):
        try:
            records = []
            for rec in csv.reader(io.StringIO(sample), delimiter=delim):
                records.append(rec)
                if len(records) > 60:
                    break
        except csv.Error:
            continue
        if truncated and len(records) > 2:
            records = records[:-1]
        records = [r for r in records if r]
        if not records or len(records[0]) < 2:
            continue
        n = len(records[0])
        rest = records[1:]
        consistency = sum(len(r) == n for r in rest) / len(rest) if rest else 1.0
        bonus = 0.01 if delim == default else 0.0
        cand = (round(consistency, 2) + bonus, n, -order, delim)
        if best is None or cand > best:
            best = cand
    return best[3] if best is not None else default


def _make_header(raw_names: list[object]) -> tuple[list[str], list[bool], list[Problem]]:
    """Clean header names: strip, name empty ones ``column_N`` and suffix duplicates ``.1``.

    Returns (names, unnamed flags, problems).
    """
    names: list[str] = []
    unnamed: list[bool] = []
    base_names: list[str] = []
    for i, raw in enumerate(raw_names):
        name = "" if raw is None or (isinstance(raw, float) and np.isnan(raw)) else str(raw)
        name = name.replace("\ufeff", "").strip()
        unnamed.append(not name)
        base_names.append(name or f"column_{i + 1}")
    taken: set[str] = set(base_names)
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    dup_positions: dict[str, list[int]] = {}
    for i, name in enumerate(base_names):
        if name in seen:
            k = seen[name]
            new = f"{name}.{k}"
            while new in taken:
                k += 1
                new = f"{name}.{k}"
            seen[name] = k + 1
            taken.add(new)
            names.append(new)
            dup_positions.setdefault(name, []).append(i + 1)
        else:
            seen[name] = 1
            names.append(name)
    for name, positions in dup_positions.items():
        first = base_names.index(name) + 1
        renamed = [names[p - 1] for p in positions]
        problems.append(
            Problem(
                kind="duplicate_column",
                severity="warning",
                column=name,
                rows=(1,),
                message=(
                    f"The header names column {name!r} {len(positions) + 1} times (columns "
                    f"{', '.join(str(p) for p in [first, *positions])}); the later ones were "
                    f"renamed to {', '.join(repr(r) for r in renamed)}. Rename the columns in "
                    "the file if they hold different things."
                ),
            )
        )
    return names, unnamed, problems


def _first_record(text_sample: str, delim: str) -> list[str]:
    for rec in csv.reader(io.StringIO(text_sample), delimiter=delim):
        if rec:
            return rec
    return []


def _read_fast(data: bytes | memoryview, delim: str, header: list[str]) -> pd.DataFrame | None:
    """Parse with pyarrow (multi-threaded, all columns as strings); None when any row has the
    wrong number of fields or parsing fails, so that the exact csv-module path can report it."""
    invalid: list[Any] = []

    def on_invalid(row: Any) -> str:
        invalid.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(block_size=_PYARROW_BLOCK_BYTES, use_threads=True),
            parse_options=pacsv.ParseOptions(
                delimiter=delim,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except (pa.ArrowException, ValueError):
        return None
    if invalid or table.column_names != header:
        return None
    if any(not pa.types.is_string(t) for t in table.schema.types):
        return None
    table = table.rename_columns([f"c{i}" for i in range(len(header))])
    return table.to_pandas()


def _read_exact(
    data: bytes | memoryview, delim: str
) -> tuple[pd.DataFrame, list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    """Parse with the csv module, recording each ragged record.

    Returns (frame with columns c0..cN-1, too-long records, too-short records); each record as
    (spreadsheet row, first file line, number of fields).
    """
    buf = bytes(data)
    stream = io.TextIOWrapper(io.BytesIO(buf), encoding="utf-8", newline="")
    reader = csv.reader(stream, delimiter=delim)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        header: list[str] = []
        for rec in reader:
            if rec:
                header = rec
                break
        n = len(header)
        rows: list[list[str]] = []
        too_long: list[tuple[int, int, int]] = []
        too_short: list[tuple[int, int, int]] = []
        last_line = reader.line_num
        for rec in reader:
            start, last_line = last_line + 1, reader.line_num
            k = len(rec)
            if k != n:
                if k == 0:
                    rec = [""] * n
                elif k > n:
                    too_long.append((len(rows) + 2, start, k))
                    rec = rec[:n]
                else:
                    too_short.append((len(rows) + 2, start, k))
                    rec = rec + [""] * (n - k)
            rows.append(rec)
    except csv.Error as exc:
        raise InputFileError(
            expected="well-formed delimited text",
            found=f"a format error near line {reader.line_num:,}: {exc}",
            fix="re-export the file as CSV (UTF-8) with standard quoting",
        ) from None
    finally:
        csv.field_size_limit(old_limit)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(n)]
    frame = pd.DataFrame(
        {f"c{i}": pd.array(list(col), dtype="str") for i, col in enumerate(columns)},
        index=pd.RangeIndex(len(rows)),
    )
    for c in frame.columns:
        frame[c] = frame[c].where(frame[c] != "")
    return frame, too_long, too_short


def _check_unclosed_quote(frame: pd.DataFrame, data: bytes | memoryview) -> None:
    """Raise when a quote opened in the last row is never closed: the parsers then silently
    swallow the rest of the file into one field."""
    if frame.empty:
        return
    last = frame.iloc[-1].dropna()
    if last.empty or "\n" not in str(last.iloc[-1]):
        return
    arr = np.frombuffer(data, dtype=np.uint8)
    tail = bytes(data[-64:]).rstrip(b"\r\n")
    if np.count_nonzero(arr == ord('"')) % 2 == 1 and not tail.endswith(b'"'):
        value = str(last.iloc[-1])
        column = list(frame.columns).index(last.index[-1]) + 1
        raise InputFileError(
            expected='every quoted field to end with a closing quote (")',
            found=f"a quoted field in row {len(frame) + 1:,} (column {column}) that "
            f"never ends, so the rest of the file became one value starting {value[:40]!r}",
            fix="add the missing closing quote in that row, or re-export the file",
        )


def _ragged_problems(
    too_long: list[tuple[int, int, int]], too_short: list[tuple[int, int, int]], n: int, delim: str
) -> list[Problem]:
    problems: list[Problem] = []
    dname = repr(delim) if delim != "\t" else "TAB"

    def where(items: list[tuple[int, int, int]]) -> str:
        parts = [
            f"row {r:,}" + (f" (line {line:,})" if line != r else "") + f": {k} fields"
            for r, line, k in items[:10]
        ]
        more = f" and {len(items) - 10:,} more" if len(items) > 10 else ""
        return "; ".join(parts) + more

    if too_long:
        problems.append(
            Problem(
                kind="ragged_row",
                severity="error",
                rows=tuple(r for r, _, _ in too_long),
                message=(
                    f"{len(too_long):,} row(s) have more fields than the header: expected {n} "
                    f"fields, found more in {where(too_long)}. The extra fields were cut off. "
                    f"A field probably contains the delimiter {dname} without quotes: put such "
                    'fields in double quotes ("like, this") or re-export the file with quoting.'
                ),
            )
        )
    if too_short:
        problems.append(
            Problem(
                kind="short_row",
                severity="warning",
                rows=tuple(r for r, _, _ in too_short),
                message=(
                    f"{len(too_short):,} row(s) have fewer fields than the header: expected {n} "
                    f"fields, found fewer in {where(too_short)}. The missing fields were left "
                    "empty; check those rows if values seem shifted (e.g. a line break inside "
                    "an unquoted field)."
                ),
            )
        )
    return problems


def _read_delimited(
    raw: bytes, *, fmt: str, encoding: str | None, delimiter: str | None
) -> tuple[pd.DataFrame, dict[str, Any], list[Problem]]:
    if delimiter is not None and len(delimiter) != 1:
        raise VocError(
            expected="a delimiter of exactly one character, such as ',' ';' '\\t' or '|'",
            found=repr(delimiter),
            fix="pass a single character, or no delimiter to have it detected",
        )
    enc = encoding or sniff_encoding(raw)
    data: bytes | memoryview  # the file as UTF-8 without BOM, what both parsers read
    validated = encoding is None and enc == "utf-8"  # sniff_encoding checked the whole file
    if _codec_name(enc) in ("utf-8", "utf-8-sig") and (validated or _is_valid_utf8(raw)):
        # UTF-8 already: parse the original bytes without decoding the whole file.
        if b"\x00" in raw:
            _raise_binary_nul(raw)
        data = memoryview(raw)[3:] if raw.startswith(codecs.BOM_UTF8) else memoryview(raw)
        sample = bytes(data[:_HEADER_SAMPLE_BYTES]).decode("utf-8", errors="ignore")
        if _looks_binary(sample):
            raise _binary_error("binary data (control characters in the text)")
    else:
        text, enc = _decode_text(raw, enc)
        data = text.encode("utf-8")
        sample = text[:_HEADER_SAMPLE_BYTES]
        del text
    if not sample.strip():
        raise _empty_error("an empty file (no text, only whitespace or a byte-order mark)")
    default = "\t" if fmt == "tsv" else ","
    delim = delimiter or _sniff_delimiter(_head_for_sniffing(sample), default=default)
    header_raw = _first_record(sample, delim)
    names, unnamed, problems = _make_header(list(header_raw))
    n = len(names)

    frame = _read_fast(data, delim, header_raw)
    if frame is None:
        frame, too_long, too_short = _read_exact(data, delim)
        problems += _ragged_problems(too_long, too_short, n, delim)
    _check_unclosed_quote(frame, data)
    frame.columns = names
    frame = _drop_empty_unnamed(frame, unnamed)
    info = {"encoding": enc, "delimiter": delim}
    return frame, info, problems


def _head_for_sniffing(sample: str) -> str:
    head = sample[:_SAMPLE_BYTES]
    if len(sample) > _SAMPLE_BYTES:
        cut = head.rfind("\n")
        head = head[: cut + 1] if cut > 0 else head
    return head


def _drop_empty_unnamed(frame: pd.DataFrame, unnamed: list[bool]) -> pd.DataFrame:
    """Drop columns without a header name that hold no values (e.g. a trailing delimiter)."""
    drop = [
        c
        for c, is_unnamed in zip(frame.columns, unnamed, strict=True)
        if is_unnamed and frame[c].isna().all()
    ]
    return frame.drop(columns=drop) if drop else frame


# --------------------------------------------------------------------------------------------
# Other formats
# --------------------------------------------------------------------------------------------


def _library_error(what: str, exc: BaseException, fix: str) -> InputFileError:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputFileError(expected=what, found=f"an unreadable file ({msg})", fix=fix)


def _read_xlsx(
    raw: bytes, sheet: str | int | None
) -> tuple[pd.DataFrame, dict[str, Any], list[Problem]]:
    try:
        book = pd.ExcelFile(io.BytesIO(raw), engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise _library_error(
            "a readable XLSX workbook", exc, "open the file in Excel and save it again as .xlsx"
        ) from None
    with book:
        names = [str(s) for s in book.sheet_names]
        if sheet is None:
            chosen: str | int = names[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise InputFileError(
                    expected=f"a sheet number from 0 to {len(names) - 1}",
                    found=f"sheet number {sheet}; the sheets are {', '.join(map(repr, names))}",
                    fix="pass a sheet name or a 0-based sheet number from the list",
                )
            chosen = names[sheet]
        else:
            matches = [s for s in names if s == sheet] or [
                s for s in names if s.strip().casefold() == str(sheet).strip().casefold()
            ]
            if not matches:
                raise InputFileError(
                    expected=f"a sheet named {sheet!r} in the workbook",
                    found=f"the sheets {', '.join(map(repr, names))}",
                    fix="pass one of the listed sheet names (or omit it for the first sheet)",
                )
            chosen = matches[0]
        try:
            grid = pd.read_excel(book, sheet_name=chosen, header=None, dtype=object)
        except Exception as exc:
            raise _library_error(
                f"a readable sheet {chosen!r}", exc, "open the file in Excel and save it again"
            ) from None
    if grid.empty:
        raise _empty_error(f"an empty sheet {chosen!r}")
    names_row, unnamed, problems = _make_header(list(grid.iloc[0]))
    frame = grid.iloc[1:].reset_index(drop=True)
    frame.columns = names_row
    frame = _drop_empty_unnamed(frame, unnamed)
    frame = frame.infer_objects()
    return frame, {"sheet": chosen}, problems


def _records_to_frame(records: list[Any], where: str) -> pd.DataFrame:
    if records and all(isinstance(r, dict) for r in records):
        return pd.json_normalize(records, sep=".")
    if records and all(isinstance(r, str) or r is None for r in records):
        return pd.DataFrame({"text": pd.array(records, dtype="str")})
    bad = next((i for i, r in enumerate(records) if not isinstance(r, dict)), 0)
    raise InputFileError(
        expected=f"{where} to be a list of objects (one per response)",
        found=f"item {bad} is {type(records[bad]).__name__}: {json.dumps(records[bad])[:80]}",
        fix='write each response as an object, e.g. [{"text": "...", "score": 9}, ...]',
    )


def _read_json(raw: bytes, encoding: str | None, *, lines: bool) -> tuple[pd.DataFrame, str, str]:
    """Read JSON or JSON Lines (either is accepted under both extensions).

    Returns (frame, encoding, format found: ``"json"`` or ``"jsonl"``).
    """
    text, enc = _decode_text(raw, encoding)
    if not text.strip():
        raise _empty_error("an empty file (no text, only whitespace or a byte-order mark)")
    if not text.lstrip().startswith(("{", "[")):
        _, desc, fix = _describe_content(raw)
        expected = "JSON Lines text (one object per line)" if lines else "JSON text"
        raise InputFileError(expected=expected, found=desc, fix=fix)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if lines or _looks_like_json(text) == "jsonl":
            return _read_jsonl(text), enc, "jsonl"
        raise InputFileError(
            expected="valid JSON text",
            found=f"a JSON syntax error at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            fix="fix the file near that position (or re-export it as JSON or CSV)",
        ) from None
    if lines and isinstance(doc, dict) and not _record_array(doc):
        return pd.json_normalize([doc], sep="."), enc, "jsonl"  # a one-line JSON Lines file
    return _json_doc_to_frame(doc), enc, "json"


def _record_array(doc: dict[str, Any]) -> str | None:
    """The key of the records array in ``{"data": [...]}``-style documents."""
    for key in doc:
        if str(key).lower() in _JSON_RECORD_KEYS and isinstance(doc[key], list):
            return str(key)
    return None


def _json_doc_to_frame(doc: Any) -> pd.DataFrame:
    if isinstance(doc, list):
        return _records_to_frame(doc, "the JSON array")
    if isinstance(doc, dict):
        key = _record_array(doc)
        if key is not None:
            return _records_to_frame(doc[key], f"the JSON key {key!r}")
        lists = {k: v for k, v in doc.items() if isinstance(v, list)}
        if lists and len(lists) == len(doc) and len({len(v) for v in lists.values()}) == 1:
            return pd.DataFrame(lists)  # column-oriented {"text": [...], "score": [...]}
        raise InputFileError(
            expected='a JSON array of objects, or an object with a "data", "records", "rows", '
            '"items" or "responses" array',
            found=f"an object with the keys {', '.join(map(repr, list(doc)[:20]))}",
            fix='put the responses in an array under "data", e.g. {"data": [{"text": "..."}]}',
        )
    raise InputFileError(
        expected="a JSON array of objects",
        found=f"a single JSON {type(doc).__name__}",
        fix='write the responses as [{"text": "...", "score": 9}, ...]',
    )


def _read_jsonl(text: str) -> pd.DataFrame:
    records: list[dict[str, Any]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputFileError(
                expected="one JSON object per line (JSON Lines)",
                found=f"invalid JSON on line {lineno:,}: {exc.msg} (column {exc.colno}): "
                f"{line.strip()[:80]!r}",
                fix=f"fix or remove line {lineno:,}",
            ) from None
        if not isinstance(obj, dict):
            raise InputFileError(
                expected="one JSON object per line (JSON Lines)",
                found=f"a JSON {type(obj).__name__} on line {lineno:,}: {line.strip()[:80]!r}",
                fix=f'make line {lineno:,} an object such as {{"text": "..."}}',
            )
        records.append(obj)
    return pd.json_normalize(records, sep=".") if records else pd.DataFrame()


def _read_parquet(raw: bytes) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(io.BytesIO(raw), engine="pyarrow")
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise _library_error(
            "a readable Parquet file", exc, "write the file again (it may be truncated)"
        ) from None
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    frame.columns = [str(c) for c in frame.columns]
    return frame


# --------------------------------------------------------------------------------------------
# Public reader
# --------------------------------------------------------------------------------------------


def read_feedback(
    source: str | os.PathLike[str] | bytes | IO[bytes],
    *,
    filename: str | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> pd.DataFrame:
    """Read a feedback file into a raw DataFrame, one row per response, in file order.

    Args:
        source: a path, the file's bytes, or a binary file object (e.g. a Streamlit upload).
        filename: the file name when ``source`` is bytes or a buffer; its extension names the
            format (without one, the format is taken from the content).
        sheet: XLSX sheet name or 0-based number (default: the first sheet).
        encoding: text encoding of CSV/TSV/TXT/JSON (default: sniffed, see
            :func:`sniff_encoding`).
        delimiter: CSV field delimiter (default: sniffed among ``,`` ``;`` TAB ``|``).

    Returns:
        Columns as in the file. CSV/TSV/TXT values are strings exactly as written (leading zeros
        and spaces kept; empty cells are missing). XLSX, JSON and Parquet keep their native
        types. ``attrs["voc_source"]`` = ``{"path", "format", "encoding", "delimiter"}`` (+
        ``"sheet"`` for XLSX); ``attrs["voc_problems"]`` = list of
        :class:`~voc.schema.Problem` found while reading (ragged rows, duplicate column names),
        with spreadsheet row numbers (header = row 1).

    Raises:
        InputFileError: unknown extension, content that does not match the extension, an empty
            or header-only file, binary data, undecodable text, invalid JSON, unknown sheet, or
            a damaged workbook/Parquet file. Each says expected / found / how to fix.
    """
    raw, name, path = _load_source(source, filename)
    fmt = _format_for(name, raw)
    display = name or "the uploaded data"
    head = raw[:_SAMPLE_BYTES]
    if len(raw) <= _SAMPLE_BYTES and not head.strip(b" \t\r\n\x0b\x0c"):
        raise _empty_error(f"an empty file ({len(raw)} bytes, no text)")
    for bom, _ in _BOMS:
        if (
            len(raw) <= _SAMPLE_BYTES
            and raw.startswith(bom)
            and not raw[len(bom) :].strip(b" \t\r\n\x00")
        ):
            raise _empty_error("an empty file (only a byte-order mark and whitespace)")
    _check_content(raw, fmt, display)

    problems: list[Problem] = []
    info: dict[str, Any] = {"encoding": None, "delimiter": None}
    if fmt in ("csv", "tsv"):
        if _looks_like_json(_describe_text_head(raw)) is not None:
            _, desc, fix = _describe_content(raw)
            raise InputFileError(
                expected=f"delimited text ({fmt.upper()}), as the name {display!r} says",
                found=desc,
                fix=fix,
            )
        frame, extra, problems = _read_delimited(
            raw, fmt=fmt, encoding=encoding, delimiter=delimiter
        )
        info.update(extra)
    elif fmt == "xlsx":
        frame, extra, problems = _read_xlsx(raw, sheet)
        info.update(extra)
    elif fmt in ("json", "jsonl"):
        frame, enc, fmt = _read_json(raw, encoding, lines=fmt == "jsonl")
        info["encoding"] = enc
    else:
        frame = _read_parquet(raw)

    frame = _drop_trailing_empty_rows(frame)
    if frame.shape[1] == 0:
        raise _empty_error("no columns")
    if len(frame) == 0:
        cols = ", ".join(repr(str(c)) for c in list(frame.columns)[:10])
        raise _empty_error(f"a header row ({cols}) but no data rows")
    frame = frame.reset_index(drop=True)
    frame.attrs["voc_source"] = {"path": path, "format": fmt, **info}
    frame.attrs["voc_problems"] = problems
    return frame


def _describe_text_head(raw: bytes) -> str:
    """Decoded start of a text file for a quick JSON check ("" when it cannot be decoded)."""
    head = raw[:_SAMPLE_BYTES]
    if not head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").startswith((b"{", b"[")):
        return ""
    try:
        text, _ = _decode_text(raw, None)
    except InputFileError:
        return ""
    return text


def _drop_trailing_empty_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty or frame.shape[1] == 0:
        return frame
    notna = frame.notna().any(axis=1).to_numpy()
    last = np.flatnonzero(notna)
    keep = int(last[-1]) + 1 if len(last) else 0
    return frame.iloc[:keep] if keep < len(frame) else frame


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

_FORMULA_RE = r"^[=+\-@\t\r]"
_XLSX_MAX_ROWS = 1_048_576
_XLSX_MAX_CELL = 32_767
_XLSX_ILLEGAL_RE = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def _escape_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix string cells (and column names) starting with = + - @ TAB CR with ``'``."""
    out = df.copy(deep=False)
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_string_dtype(s.dtype) and not pd.api.types.is_object_dtype(s.dtype):
            mask = s.str.match(_FORMULA_RE).fillna(False).astype(bool)
            if mask.any():
                out[c] = s.where(~mask, "'" + s)
        elif pd.api.types.is_object_dtype(s.dtype):
            out[c] = s.map(
                lambda v: "'" + v if isinstance(v, str) and re.match(_FORMULA_RE, v) else v
            )
    out.columns = [
        "'" + c if isinstance(c, str) and re.match(_FORMULA_RE, c) else c for c in out.columns
    ]
    return out


def _write_csv(df: pd.DataFrame, path: Path, sep: str = ",") -> None:
    # Python 3.11's csv writer does not quote a lone "\r"; quote everything if one occurs.
    has_cr = any(
        df[c].astype("str").str.contains("\r", regex=False).any()
        for c in df.columns
        if pd.api.types.is_string_dtype(df[c].dtype) or pd.api.types.is_object_dtype(df[c].dtype)
    )
    df.to_csv(
        path,
        sep=sep,
        index=False,
        encoding="utf-8",
        lineterminator="\n",
        quoting=csv.QUOTE_ALL if has_cr else csv.QUOTE_MINIMAL,
    )


def _xlsx_column(s: pd.Series, ws: Any) -> list[Any]:
    """Cell values for openpyxl: None for missing, naive datetimes, strings kept as strings
    (never formulas), illegal control characters removed."""
    from openpyxl.cell import WriteOnlyCell

    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        return [None if pd.isna(v) else v.to_pydatetime() for v in s]
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        values = s.astype(object).where(s.notna(), None).tolist()
        return [v.item() if isinstance(v, np.generic) else v for v in values]

    def convert(v: Any) -> Any:
        if v is None or (not isinstance(v, (list, dict, np.ndarray)) and pd.isna(v)):
            return None
        if isinstance(v, (list, dict, np.ndarray)):
            v = json.dumps(v.tolist() if isinstance(v, np.ndarray) else v, ensure_ascii=False)
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, pd.Timestamp):
            return v.tz_convert("UTC").tz_localize(None) if v.tzinfo else v.to_pydatetime()
        if not isinstance(v, str):
            return v
        v = re.sub(_XLSX_ILLEGAL_RE, "", v)
        if len(v) > _XLSX_MAX_CELL:
            raise VocError(
                expected=f"text cells of at most {_XLSX_MAX_CELL:,} characters (Excel's limit)",
                found=f"a cell in column {s.name!r} with {len(v):,} characters",
                fix="write the table as .csv or .parquet instead",
            )
        if v.startswith("="):
            cell = WriteOnlyCell(ws, value=v)
            cell.data_type = "s"
            return cell
        return v

    return [convert(v) for v in s.tolist()]


def _write_xlsx(df: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    if len(df) + 1 > _XLSX_MAX_ROWS:
        raise VocError(
            expected=f"at most {_XLSX_MAX_ROWS - 1:,} data rows (Excel's sheet limit)",
            found=f"{len(df):,} rows",
            fix="write the table as .csv or .parquet instead",
        )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")
    header = _xlsx_column(pd.Series([str(c) for c in df.columns], dtype=object, name="header"), ws)
    ws.append(header)
    columns = [_xlsx_column(df[c], ws) for c in df.columns]
    for row in zip(*columns, strict=True):
        ws.append(list(row))
    wb.save(path)


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    df.to_parquet(path, engine="pyarrow", index=False)


def _write_jsonl(df: pd.DataFrame, path: Path) -> None:
    df.to_json(path, orient="records", lines=True, force_ascii=False, date_format="iso")


def _write_json(df: pd.DataFrame, path: Path) -> None:
    df.to_json(path, orient="records", force_ascii=False, date_format="iso", indent=1)


_WRITERS: dict[str, Callable[[pd.DataFrame, Path], None]] = {
    ".csv": _write_csv,
    ".tsv": lambda df, path: _write_csv(df, path, sep="\t"),
    ".xlsx": _write_xlsx,
    ".parquet": _write_parquet,
    ".jsonl": _write_jsonl,
    ".json": _write_json,
}


@contextlib.contextmanager
def _atomic_target(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path`` atomically,
    on failure it is removed and ``path`` is untouched."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    # Create it first so it gets normal permissions (0o666 minus umask), not 0o600.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    os.close(fd)
    try:
        yield tmp
        if path.exists():
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_table(
    df: pd.DataFrame, path: str | os.PathLike[str], *, spreadsheet_safe: bool = False
) -> Path:
    """Write ``df`` to ``path`` in the format named by its extension, atomically.

    Formats: ``.csv`` / ``.tsv`` (UTF-8 without BOM, ``\\n`` line ends, no index), ``.xlsx``
    (one sheet "data"; strings are always stored as text, never as formulas; XML turns a
    carriage return inside a cell into a line feed), ``.parquet``,
    ``.jsonl`` and ``.json`` (records, UTF-8, ISO dates). The data goes to a temporary file in
    the same directory that then replaces ``path``, so an existing file is never left
    half-written. Missing parent directories are created.

    Args:
        spreadsheet_safe: prefix string cells that start with ``= + - @`` TAB or CR with ``'``
            so spreadsheet programs do not run them as formulas (CSV injection defence).

    Returns:
        The path written.

    Raises:
        VocError: unknown extension, data the format cannot hold (e.g. more than Excel's row
            limit), or a failed write (the message carries the original error).
    """
    target = Path(path).expanduser()
    ext = target.suffix.lower()
    writer = _WRITERS.get(ext)
    if writer is None:
        raise VocError(
            expected=f"an output file name ending in {', '.join(SUPPORTED_OUTPUT)}",
            found=f"{str(target)!r}",
            fix="choose one of those extensions, e.g. results.csv or results.xlsx",
        )
    out = _escape_formulas(df) if spreadsheet_safe else df.copy(deep=False)
    out.attrs = {}  # attrs may hold Problem objects that Parquet metadata cannot store
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _atomic_target(target) as tmp:
            writer(out, tmp)
    except VocError:
        raise
    except Exception as exc:
        raise VocError(
            expected=f"to write the table to {str(target)!r}",
            found=f"{type(exc).__name__}: {exc}",
            fix="check free disk space and permissions, and that the file is not open in "
            "another program; for Parquet, make each column hold one type of value",
        ) from exc
    return target
