"""Tests for voc.io: reading every input format and encoding, format checks, writing."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voc.errors import InputFileError, VocError
from voc.io import SUPPORTED_INPUT, read_feedback, sniff_encoding, write_table
from voc.schema import Problem

RU = "Доставка опоздала на три дня, курьер был вежлив"
ZH = "物流太慢了，客服态度也不好，但是产品质量很好"
PL = "Zamówienie dotarło szybko, świetna obsługa i miła treść"
FR = "Très déçu du délai de livraison, mais le produit est à la hauteur"
DE = "Die Lieferung war pünktlich und die Qualität ist großartig"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    body = f'id,comment,score\n1,"{text}",9\n2,"{text} (2)",3\n'
    return body.encode(encoding)


def _problems(df: pd.DataFrame) -> list[Problem]:
    return list(df.attrs["voc_problems"])


# ------------------------------------------------------------------------------------------
# Delimited text
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_csv_delimiters_are_sniffed(tmp_path: Path, delim: str) -> None:
    others = "".join(d for d in ",;|" if d != delim)
    rows = [
        ["id", "comment", "score"],
        ["001", f"quoted{delim} with the delimiter", "9"],
        ["002", f"other chars {others} inside", "7"],
        ["003", "plain", "10"],
    ]
    text = "\n".join(delim.join(f'"{c}"' if delim in c else c for c in row) for row in rows)
    path = _write(tmp_path, "data.csv", (text + "\n").encode())
    df = read_feedback(path)
    assert df.attrs["voc_source"]["delimiter"] == delim
    assert list(df.columns) == ["id", "comment", "score"]
    assert df["comment"].tolist() == [r[1] for r in rows[1:]]
    assert df["id"].tolist() == ["001", "002", "003"]  # leading zeros kept, read as text
    assert _problems(df) == []


def test_explicit_delimiter_wins(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.csv", b"a;b,c\n1;2,3\n")
    assert list(read_feedback(path, delimiter=",").columns) == ["a;b", "c"]
    assert list(read_feedback(path, delimiter=";").columns) == ["a", "b,c"]
    with pytest.raises(VocError, match="one character"):
        read_feedback(path, delimiter=";;")


def test_tsv_extension(tmp_path: Path) -> None:
    path = _write(tmp_path, "data.tsv", b"id\tcomment\n1\tgood, fast; cheap\n")
    df = read_feedback(path)
    assert df.attrs["voc_source"]["format"] == "tsv"
    assert df["comment"].tolist() == ["good, fast; cheap"]


def test_quoted_multiline_field(tmp_path: Path) -> None:
    data = b'id,comment\r\n1,"first line\r\nsecond, line ""quoted"""\r\n2,next\r\n'
    df = read_feedback(_write(tmp_path, "m.csv", data))
    assert df["comment"].tolist() == ['first line\r\nsecond, line "quoted"', "next"]


def test_text_kept_exactly_and_empty_cells_missing(tmp_path: Path) -> None:
    data = b'id,comment,score\n007,"  spaced  ",\n008,NA,n/a\n009,,5\n'
    df = read_feedback(_write(tmp_path, "x.csv", data))
    assert df["id"].tolist() == ["007", "008", "009"]
    assert df["comment"].iloc[0] == "  spaced  "
    assert df["comment"].iloc[1] == "NA"  # not turned into a missing value
    assert pd.isna(df["comment"].iloc[2])
    assert pd.isna(df["score"].iloc[0])
    assert df["score"].iloc[1] == "n/a"


@pytest.mark.parametrize(
    ("text", "encoding", "sniffed"),
    [
        (RU, "utf-8", "utf-8"),
        (PL, "utf-8", "utf-8"),
        (ZH, "utf-8-sig", "utf-8-sig"),
        (RU, "utf-16", "utf-16"),  # Python writes a BOM (little-endian here)
        (RU, "cp1251", "cp1251"),
        (ZH, "gb18030", "gb18030"),
        (FR, "latin-1", "latin-1"),
        (DE, "latin-1", "latin-1"),
    ],
)
def test_encodings_round_trip_exact_text(
    tmp_path: Path, text: str, encoding: str, sniffed: str
) -> None:
    raw = _csv_bytes(text, encoding)
    assert sniff_encoding(raw) == sniffed
    df = read_feedback(_write(tmp_path, "enc.csv", raw))
    assert list(df.columns) == ["id", "comment", "score"]  # BOM stripped from the header
    assert df["comment"].tolist() == [text, f"{text} (2)"]
    assert df.attrs["voc_source"]["encoding"] == sniffed


def test_sniff_encoding_boms_and_cp1252() -> None:
    assert sniff_encoding("a".encode("utf-32")) == "utf-32"
    assert sniff_encoding(b"\xef\xbb\xbfa,b") == "utf-8-sig"
    assert sniff_encoding("id,x\n1,\u00e9t\u00e9\n".encode("utf-16-le")) == "utf-16-le"
    assert sniff_encoding("x\n€5, “quoted” café\n".encode("cp1252")) == "cp1252"
    assert sniff_encoding(b"plain ascii") == "utf-8"


def test_explicit_encoding_and_wrong_encoding(tmp_path: Path) -> None:
    path = _write(tmp_path, "ru.csv", _csv_bytes(RU, "cp1251"))
    assert read_feedback(path, encoding="cp1251")["comment"].iloc[0] == RU
    with pytest.raises(InputFileError, match="not valid utf-8") as exc:
        read_feedback(path, encoding="utf-8")
    assert "omit the encoding" in exc.value.fix
    with pytest.raises(InputFileError, match="unknown encoding"):
        read_feedback(path, encoding="klingon-8")


def test_ragged_rows_reported_with_rows_and_lines(tmp_path: Path) -> None:
    data = (
        b"id,comment,score\n"
        b"1,fine,5\n"
        b'2,"two\nlines",6\n'  # rows and file lines diverge after this record
        b"3,too, many,7\n"
        b"4,short\n"
        b"5,ok,8\n"
    )
    df = read_feedback(_write(tmp_path, "r.csv", data))
    assert len(df) == 5  # nothing dropped
    assert df["id"].tolist() == ["1", "2", "3", "4", "5"]
    by_kind = {p.kind: p for p in _problems(df)}
    long_rows = by_kind["ragged_row"]
    assert long_rows.severity == "error"
    assert long_rows.rows == (4,)
    assert "row 4 (line 5): 4 fields" in long_rows.message
    assert "expected 3 fields" in long_rows.message
    assert "double quotes" in long_rows.message
    short = by_kind["short_row"]
    assert short.severity == "warning"
    assert short.rows == (5,)
    assert "row 5 (line 6): 2 fields" in short.message
    assert pd.isna(df["score"].iloc[3])  # padded with an empty value


def test_blank_lines_kept_inside_and_dropped_at_end(tmp_path: Path) -> None:
    df = read_feedback(_write(tmp_path, "b.csv", b"id,comment\n1,a\n\n3,c\n\n\n"))
    assert len(df) == 3
    assert df["id"].isna().tolist() == [False, True, False]
    assert _problems(df) == []


def test_unclosed_quote_is_an_error(tmp_path: Path) -> None:
    data = b'id,comment\n1,"never closed\n2,more\n3,text\n'
    with pytest.raises(InputFileError, match="closing quote"):
        read_feedback(_write(tmp_path, "q.csv", data))


def test_duplicate_and_empty_header_names(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfcomment, comment ,,score,\n a ,b,x,5,\n"
    df = read_feedback(_write(tmp_path, "d.csv", data))
    assert list(df.columns) == ["comment", "comment.1", "column_3", "score"]
    assert df["comment"].iloc[0] == " a "
    (problem,) = _problems(df)
    assert problem.kind == "duplicate_column" and problem.severity == "warning"
    assert "'comment.1'" in problem.message


# ------------------------------------------------------------------------------------------
# Other formats
# ------------------------------------------------------------------------------------------


def _xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_first_named_and_numbered_sheet(tmp_path: Path) -> None:
    raw = _xlsx_bytes(
        {
            "Summary": [["note"], ["ignore me"]],
            "Responses": [["id", "comment", "score"], ["007", RU, 9], [8, None, 3]],
        }
    )
    path = _write(tmp_path, "book.xlsx", raw)
    assert list(read_feedback(path).columns) == ["note"]
    df = read_feedback(path, sheet="Responses")
    assert df.attrs["voc_source"]["sheet"] == "Responses"
    assert df["id"].tolist() == ["007", 8]  # text cells stay text, numbers stay numbers
    assert df["comment"].iloc[0] == RU and pd.isna(df["comment"].iloc[1])
    assert df["score"].tolist() == [9, 3]
    assert read_feedback(path, sheet=1).equals(df)
    with pytest.raises(InputFileError) as exc:
        read_feedback(path, sheet="Answers")
    assert "'Summary', 'Responses'" in exc.value.found
    with pytest.raises(InputFileError, match="sheet number"):
        read_feedback(path, sheet=5)


def test_xlsx_header_only_sheet(tmp_path: Path) -> None:
    path = _write(tmp_path, "h.xlsx", _xlsx_bytes({"S": [["id", "comment"]]}))
    with pytest.raises(InputFileError, match="no data rows"):
        read_feedback(path)


def test_json_array_and_data_key_flattened(tmp_path: Path) -> None:
    records = [{"id": "1", "comment": ZH, "meta": {"score": 9, "channel": "app"}}]
    arr = read_feedback(_write(tmp_path, "a.json", json.dumps(records).encode()))
    assert list(arr.columns) == ["id", "comment", "meta.score", "meta.channel"]
    assert arr["comment"].iloc[0] == ZH
    wrapped = json.dumps({"data": records}, ensure_ascii=False).encode()
    keyed = read_feedback(_write(tmp_path, "b.json", wrapped))
    pd.testing.assert_frame_equal(arr, keyed, check_like=False)
    assert keyed.attrs["voc_source"]["format"] == "json"


def test_json_object_without_records_lists_its_keys(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as exc:
        read_feedback(_write(tmp_path, "k.json", b'{"meta": 1, "stuff": {}}'))
    assert "'meta', 'stuff'" in exc.value.found
    assert '"data"' in exc.value.fix


@pytest.mark.parametrize("ext", [".jsonl", ".ndjson"])
def test_jsonl(tmp_path: Path, ext: str) -> None:
    lines = [json.dumps({"id": 1, "comment": PL}), "", json.dumps({"id": 2, "comment": "ok"})]
    data = "\n".join(lines) + "\n"
    df = read_feedback(_write(tmp_path, "r" + ext, data.encode()))
    assert df["comment"].tolist() == [PL, "ok"]
    assert df.attrs["voc_source"]["format"] == "jsonl"


def test_jsonl_bad_line_named(tmp_path: Path) -> None:
    data = b'{"id": 1}\n{"id": 2}\n{"id": 3,\n'
    with pytest.raises(InputFileError, match="line 3") as exc:
        read_feedback(_write(tmp_path, "bad.jsonl", data))
    assert "line 3" in exc.value.fix


def test_json_syntax_error_position(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="line 2, column"):
        read_feedback(_write(tmp_path, "bad.json", b'[\n {"id": 1,, "x": 2}\n]'))


def test_parquet(tmp_path: Path) -> None:
    src = pd.DataFrame({"id": ["a", "b"], "comment": [RU, ZH], "score": [9.0, np.nan]})
    path = tmp_path / "p.parquet"
    src.to_parquet(path, index=False)
    df = read_feedback(path)
    assert df["comment"].tolist() == [RU, ZH]
    assert df["score"].iloc[0] == 9.0 and pd.isna(df["score"].iloc[1])


def test_bytes_buffer_and_content_sniffing(tmp_path: Path) -> None:
    raw = _csv_bytes(RU)
    assert read_feedback(raw, filename="upload.csv")["comment"].iloc[0] == RU
    buf = io.BytesIO(raw)
    buf.name = "upload.csv"
    assert read_feedback(buf)["comment"].iloc[0] == RU
    # no file name: the format comes from the content
    assert read_feedback(raw).attrs["voc_source"]["format"] == "csv"
    xlsx = _xlsx_bytes({"S": [["comment"], ["hi"]]})
    assert read_feedback(xlsx).attrs["voc_source"]["format"] == "xlsx"
    assert read_feedback(b'[{"comment": "hi"}]').attrs["voc_source"]["format"] == "json"
    with pytest.raises(InputFileError, match="binary mode"):
        read_feedback(io.StringIO("a,b\n1,2\n"))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# Wrong, empty and damaged files
# ------------------------------------------------------------------------------------------


def test_xlsx_that_is_csv(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as exc:
        read_feedback(_write(tmp_path, "data.xlsx", b"id,comment\n1,hello\n"))
    err = exc.value
    assert "XLSX workbook (a zip file)" in err.expected
    assert "plain text that looks like CSV" in err.found
    assert "rename the file to .csv" in err.fix


def test_parquet_that_is_text(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as exc:
        read_feedback(_write(tmp_path, "data.parquet", b"id\tcomment\n1\thello\n"))
    assert "Parquet" in exc.value.expected
    assert "TSV" in exc.value.found and ".tsv" in exc.value.fix


def test_json_that_is_not_json(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as exc:
        read_feedback(_write(tmp_path, "data.json", b"id;comment\n1;hello\n"))
    assert "JSON" in exc.value.expected
    assert "semicolon-separated" in exc.value.found
    assert ".csv" in exc.value.fix


def test_csv_that_is_a_workbook_or_parquet(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"rename the file to \.xlsx"):
        read_feedback(_write(tmp_path, "w.csv", _xlsx_bytes({"S": [["a"], [1]]})))
    pq = tmp_path / "p.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(pq)
    with pytest.raises(InputFileError, match=r"rename the file to \.parquet"):
        read_feedback(pq.read_bytes(), filename="p.csv")
    with pytest.raises(InputFileError, match=r"\.json"):
        read_feedback(b'[{"a": 1}]', filename="p.csv")


def test_legacy_xls_and_damaged_files(tmp_path: Path) -> None:
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(InputFileError, match="legacy Excel"):
        read_feedback(_write(tmp_path, "old.xlsx", ole2))
    with pytest.raises(InputFileError, match="Excel 97-2003"):
        read_feedback(_write(tmp_path, "old.xls", ole2))
    with pytest.raises(InputFileError) as exc:
        read_feedback(_write(tmp_path, "bad.parquet", b"PAR1" + b"garbage" * 10))
    assert exc.value.found.startswith("an unreadable file (")  # pyarrow's message kept
    with pytest.raises(InputFileError, match="not an Excel workbook"):
        read_feedback(_write(tmp_path, "zip.xlsx", b"PK\x05\x06" + b"\x00" * 18))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "0 bytes"),
        (b"  \r\n\n", "no text"),
        (b"\xef\xbb\xbf\n", "byte-order mark"),
        ("\n".encode("utf-16"), "byte-order mark"),
        (b"id,comment\n", "no data rows"),
        (b"id,comment\n\n\n", "no data rows"),
    ],
)
def test_empty_files(tmp_path: Path, data: bytes, expected: str) -> None:
    with pytest.raises(InputFileError, match=expected) as exc:
        read_feedback(_write(tmp_path, "e.csv", data))
    assert exc.value.fix


def test_binary_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(InputFileError, match="binary data"):
        read_feedback(_write(tmp_path, "b.csv", rng.integers(0, 256, 4000, np.uint8).tobytes()))
    with pytest.raises(InputFileError, match="PNG"):
        read_feedback(_write(tmp_path, "img.csv", b"\x89PNG\r\n\x1a\n" + b"\x01" * 50))


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as exc:
        read_feedback(_write(tmp_path, "notes.docx", b"id,comment\n1,x\n"))
    assert all(ext in exc.value.expected for ext in SUPPORTED_INPUT)
    _write(tmp_path, "real.csv", b"a\n1\n")
    with pytest.raises(InputFileError, match="no file at") as exc:
        read_feedback(tmp_path / "reel.csv")
    assert "real.csv" in exc.value.fix
    with pytest.raises(InputFileError, match="directory"):
        read_feedback(tmp_path)


# ------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------


def _sample_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": ["001", "002", "003"],
            "text": [RU, f"{ZH}\nsecond line, with comma", 'say "hi"\r'],
            "theme": ["delivery", None, "=SUM(A1)"],
        }
    )


@pytest.mark.parametrize("ext", [".csv", ".tsv", ".xlsx", ".parquet", ".jsonl", ".json"])
def test_write_table_round_trips(tmp_path: Path, ext: str) -> None:
    df = _sample_frame()
    path = write_table(df, tmp_path / "sub" / f"out{ext}")
    assert path == tmp_path / "sub" / f"out{ext}"
    back = read_feedback(path)
    assert list(back.columns) == list(df.columns)
    assert back["doc_id"].tolist() == df["doc_id"].tolist()
    expected = df["text"]
    if ext == ".xlsx":  # XML stores a carriage return as a line feed
        expected = expected.str.replace("\r", "\n")
    assert back["text"].tolist() == expected.tolist()
    assert back["theme"].iloc[2] == "=SUM(A1)"  # stored as text, not as a formula
    assert pd.isna(back["theme"].iloc[1])
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left


def test_write_csv_format(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}, index=[10, 11])
    raw = write_table(df, tmp_path / "o.csv").read_bytes()
    assert raw == b"a,b\n1,x\n2,y\n"  # UTF-8, no BOM, no index, \n line ends


def test_spreadsheet_safe(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"text": ["=SUM(A1)", "+1 555", "-2", "@cmd", "\tx", "fine", None], "n": range(7)}
    )
    out = write_table(df, tmp_path / "s.csv", spreadsheet_safe=True)
    back = read_feedback(out)
    assert back["text"].tolist()[:6] == ["'=SUM(A1)", "'+1 555", "'-2", "'@cmd", "'\tx", "fine"]
    assert back["n"].tolist() == [str(i) for i in range(7)]  # numbers are not touched
    assert df["text"].iloc[0] == "=SUM(A1)"  # the caller's frame is unchanged
    xlsx = read_feedback(write_table(df, tmp_path / "s.xlsx", spreadsheet_safe=True))
    assert xlsx["text"].iloc[0] == "'=SUM(A1)"


def test_write_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(VocError) as exc:
        write_table(_sample_frame(), tmp_path / "out.docx")
    assert ".csv" in exc.value.expected and ".parquet" in exc.value.expected


def test_atomic_write_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "results.csv"
    target.write_text("old content\n")

    def half_write(self: pd.DataFrame, path: object, *args: object, **kwargs: object) -> None:
        Path(str(path)).write_text("partial")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_write)
    with pytest.raises(VocError, match="disk full"):
        write_table(_sample_frame(), target)
    assert target.read_text() == "old content\n"
    assert os.listdir(tmp_path) == ["results.csv"]


def test_written_parquet_ignores_attrs(tmp_path: Path) -> None:
    df = read_feedback(b"id,comment\n1,a,b\n", filename="r.csv")  # attrs hold a Problem
    back = read_feedback(write_table(df, tmp_path / "r.parquet"))
    assert back["comment"].tolist() == ["a"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    texts=st.lists(
        st.text(
            alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
            min_size=1,
            max_size=40,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_csv_round_trip_property(tmp_path: Path, texts: list[str]) -> None:
    df = pd.DataFrame({"doc_id": [str(i) for i in range(len(texts))], "text": texts})
    back = read_feedback(write_table(df, tmp_path / "prop.csv"))
    assert back["text"].tolist() == texts


def test_exact_parser_agrees_with_fast_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (
        b'id;comment;score\r\n007;"multi\r\nline; ""quoted""";\r\n008;  spaced  ;5\r\n'
        b'009;"";n/a\r\n\r\n010;last;1\r\n'
    )
    path = _write(tmp_path, "agree.csv", data)
    fast = read_feedback(path)
    monkeypatch.setattr("voc.io._read_fast", lambda *args: None)
    exact = read_feedback(path)
    pd.testing.assert_frame_equal(fast, exact)
    assert fast["comment"].tolist()[:2] == ['multi\r\nline; "quoted"', "  spaced  "]
    assert len(fast) == 5 and fast.iloc[3].isna().all()  # the blank line is kept as a row


def test_text_passed_as_path_is_explained() -> None:
    with pytest.raises(InputFileError, match="not a usable path"):
        read_feedback("id,comment\n" + "1,hello there\n" * 40)
