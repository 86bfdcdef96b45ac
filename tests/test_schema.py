"""Tests for voc.schema: mapping inference, score scales, validation and the canonical frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from voc.errors import ValidationError, VocError
from voc.io import read_feedback
from voc.schema import (
    CES_1_7,
    CSAT_1_5,
    DOC_ID,
    NPS_0_10,
    ROLES,
    TEXT,
    ColumnMapping,
    Problem,
    ScoreScale,
    ValidationReport,
    format_rows,
    infer_mapping,
    infer_score_scale,
    is_meaningful_text,
    parse_dates,
    parse_scores,
    to_canonical,
    validate,
)


def _frame(**cols: list[object]) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype="str") for k, v in cols.items()})


def _one(report: ValidationReport, kind: str) -> Problem:
    found = [p for p in report.problems if p.kind == kind]
    assert len(found) == 1, report.problems
    return found[0]


# ------------------------------------------------------------------------------------------
# ColumnMapping
# ------------------------------------------------------------------------------------------


def test_column_mapping_dict_round_trip_and_replace() -> None:
    m = ColumnMapping(text="Comment", score="NPS")
    d = m.as_dict()
    assert list(d) == list(ROLES)
    assert ColumnMapping.from_dict(d) == m
    assert ColumnMapping.from_dict({"text_col": "c", "id_col": "i"}) == ColumnMapping(
        text="c", id="i"
    )
    assert m.replace(score=None, date="When") == ColumnMapping(text="Comment", date="When")
    assert m.mapped == {"text": "Comment", "score": "NPS"}


def test_column_mapping_unknown_role_lists_roles() -> None:
    with pytest.raises(VocError) as exc:
        ColumnMapping.from_dict({"comment": "x"})
    assert "'comment'" in exc.value.found
    assert all(role in exc.value.expected for role in ROLES)
    with pytest.raises(VocError):
        ColumnMapping().replace(sentiment="x")


# ------------------------------------------------------------------------------------------
# infer_mapping
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (
            {
                "Response ID": ["r1", "r2"],
                "Submitted At": ["2024-01-05", "2024-01-06"],
                "How likely are you to recommend us?": ["9", "3"],
                "Why did you give this score?": ["Fast delivery, great", "Rude support staff"],
                "Customer Segment": ["SMB", "Enterprise"],
                "Channel": ["web", "app"],
                "Touchpoint": ["checkout", "support"],
            },
            ColumnMapping(
                text="Why did you give this score?",
                score="How likely are you to recommend us?",
                date="Submitted At",
                id="Response ID",
                segment="Customer Segment",
                channel="Channel",
                journey_stage="Touchpoint",
            ),
        ),
        (
            {
                "Номер": ["1", "2"],
                "Дата": ["01.02.2024", "13.02.2024"],
                "Оценка": ["5", "4"],
                "Комментарии клиента": ["Всё отлично", "Долго ждал ответа"],
                "Сегмент": ["B2B", "B2C"],
                "Источник": ["сайт", "чат"],
                "Этап": ["оплата", "доставка"],
            },
            ColumnMapping(
                text="Комментарии клиента",
                score="Оценка",
                date="Дата",
                id="Номер",
                segment="Сегмент",
                channel="Источник",
                journey_stage="Этап",
            ),
        ),
        (
            {
                "Nr": ["1", "2"],
                "Data": ["2024-01-01", "2024-01-02"],
                "Ocena NPS": ["5", "4"],
                "Treść opinii": ["Wszystko ok, polecam", "Długo czekałem na kuriera"],
                "Kanal": ["www", "app"],  # written without the diacritic
                "Etap": ["zakup", "dostawa"],
            },
            ColumnMapping(
                text="Treść opinii",
                score="Ocena NPS",
                date="Data",
                id="Nr",
                channel="Kanal",
                journey_stage="Etap",
            ),
        ),
        (
            {
                "用户ID": ["1", "2"],
                "提交时间": ["2024-01-01 10:00", "2024-01-02 11:30"],
                "评分": ["5", "4"],
                "用户评论": ["物流很快", "客服态度不好"],
                "客户类型": ["VIP", "普通"],
                "渠道": ["app", "web"],
                "环节": ["下单", "配送"],
            },
            ColumnMapping(
                text="用户评论",
                score="评分",
                date="提交时间",
                id="用户ID",
                segment="客户类型",
                channel="渠道",
                journey_stage="环节",
            ),
        ),
    ],
    ids=["en", "ru", "pl", "zh"],
)
def test_infer_mapping_from_headers(
    columns: dict[str, list[object]], expected: ColumnMapping
) -> None:
    assert infer_mapping(_frame(**columns)) == expected


def test_infer_mapping_header_variants() -> None:
    df = _frame(
        comment_id=["C-1", "C-2", "C-3"],
        CustomerComments=["Late again", "Great support team", "Too pricey for me"],
        NPS_Score=["0", "10", "7"],
        created_at=["2024-03-01T10:00:00Z", "2024-03-02T11:00:00+02:00", ""],
    )
    m = infer_mapping(df)
    assert m == ColumnMapping(
        text="CustomerComments", score="NPS_Score", date="created_at", id="comment_id"
    )


def test_infer_mapping_from_content_only() -> None:
    df = _frame(
        col1=["A-100", "A-101", "A-102", "A-103"],
        col2=["3", "9", "10", "0"],
        col3=["2024-01-01", "05/02/2024", "2024-03-01", "2024-04-01 09:30"],
        col4=[
            "The app keeps crashing",
            "Great prices and service",
            "ok",
            "Delivery was late again",
        ],
        col5=["x", "y", "x", "y"],
    )
    assert infer_mapping(df) == ColumnMapping(text="col4", score="col2", date="col3", id="col1")


def test_infer_mapping_content_rules_reject_lookalikes() -> None:
    df = _frame(
        col1=["5", "5", "7"],  # repeats: not an id; integer 0..10: the score
        col2=["11", "12", "13"],  # unique integers outside 0..10: the id
        col3=["a b", "c", "d"],  # short text (mean < 10 chars): not the text
    )
    assert infer_mapping(df) == ColumnMapping(score="col1", id="col2")


def test_repeating_id_column_is_not_inferred_but_explicit_one_is_checked() -> None:
    df = _frame(**{"Customer ID": ["c1", "c1", "c2"], "Comment": ["Slow", "Slow again", "OK"]})
    assert infer_mapping(df) == ColumnMapping(text="Comment")
    mapping = infer_mapping(df, {"id": "Customer ID"})
    assert mapping.id == "Customer ID"
    assert not validate(df, mapping).ok


def test_each_column_gets_one_role() -> None:
    df = _frame(Comment=["Nice and quick", "Slow"], Text=["Also text here", "More text"])
    m = infer_mapping(df)
    assert m.text == "Comment"
    assert list(m.mapped.values()).count("Comment") == 1


def test_overrides_win_and_none_disables() -> None:
    df = _frame(
        id=["1", "2"],
        comment=["Good service", "Bad app"],
        notes=["internal note one", "internal note two"],
        score=["1", "2"],
    )
    m = infer_mapping(df, {"text": "notes", "score_col": None})
    assert m.text == "notes" and m.score is None and m.id == "id"


def test_override_with_unknown_column_suggests_closest() -> None:
    df = _frame(Comment=["a"], Score=["5"])
    with pytest.raises(VocError) as exc:
        infer_mapping(df, {"text": "Coment"})
    err = exc.value
    assert "'Comment', 'Score'" in err.found
    assert "did you mean 'Comment'" in err.fix
    with pytest.raises(VocError, match="unknown role"):
        infer_mapping(df, {"verbatim": "Comment"})


# ------------------------------------------------------------------------------------------
# Scores, dates, text
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", "5", "3"], CSAT_1_5),
        (["1", "7", ""], CES_1_7),
        (["0", "10", "n/a"], NPS_0_10),
        (["0", "4"], NPS_0_10),
        ([], NPS_0_10),
        (["0", "100", "55"], ScoreScale("custom", 0.0, 100.0)),
    ],
)
def test_infer_score_scale(values: list[str], expected: ScoreScale) -> None:
    assert infer_score_scale(pd.Series(values, dtype="str")) == expected


def test_score_scale_parse_and_checks() -> None:
    assert ScoreScale.parse("nps") is NPS_0_10
    assert ScoreScale.parse("1-5") is CSAT_1_5
    assert ScoreScale.parse("0..100") == ScoreScale.custom(0, 100)
    with pytest.raises(VocError):
        ScoreScale.parse("five stars")
    with pytest.raises(VocError, match="low < high"):
        ScoreScale.custom(5, 1)


def test_parse_scores() -> None:
    s = pd.Series([" 7 ", "4,5", "", "n/a", "abc", None], dtype="str")
    out = parse_scores(s)
    assert out.iloc[:2].tolist() == [7.0, 4.5]
    assert out.iloc[2:].isna().all()


def test_parse_dates_formats() -> None:
    s = pd.Series(
        ["2024-03-31", "2024-03-31T10:00:00Z", "31.03.2024", "2024/3/31", "2024年3月31日", "", "x"],
        dtype="str",
    )
    out = parse_dates(s)
    assert out.dtype.kind == "M"
    assert out.iloc[:5].dt.date.astype(str).tolist() == ["2024-03-31"] * 5
    assert out.iloc[5:].isna().all()
    us = parse_dates(pd.Series(["03/31/2024", "04/01/2024"], dtype="str"))
    assert us.dt.month.tolist() == [3, 4]  # a part > 12 settles month/day order
    eu = parse_dates(pd.Series(["31/03/2024", "01/04/2024"], dtype="str"))
    assert eu.dt.month.tolist() == [3, 4]


def test_is_meaningful_text() -> None:
    s = pd.Series(
        [
            "Good",
            "отлично",
            "好",
            "5 stars",
            "",
            "   ",
            "-",
            ".",
            "n/a",
            "N/A",
            "none",
            "null",
            "nan",
            "—",
            "123",
            "🙂🙂",
            None,
            np.nan,
        ],
        dtype=object,
    )
    assert is_meaningful_text(s).tolist() == [True] * 4 + [False] * 14


def test_format_rows() -> None:
    assert format_rows([5]) == "row 5"
    assert format_rows(range(2, 15)) == "rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 3 more"


# ------------------------------------------------------------------------------------------
# validate
# ------------------------------------------------------------------------------------------


def test_valid_data_has_no_problems() -> None:
    df = _frame(id=["1", "2"], text=["Good", "Bad"], score=["9", "10"], date=["2024-01-01", ""])
    report = validate(df, infer_mapping(df))
    assert report.ok and report.problems == []
    assert report.score_scale == NPS_0_10
    assert report.summary().startswith("2 rows read; 2 with text")


def test_missing_text_column_message() -> None:
    df = _frame(id=["1"], score=["5"])
    report = validate(df, infer_mapping(df))
    p = _one(report, "missing_text_column")
    assert p.severity == "error"
    assert "'id', 'score'" in p.message
    assert "text_col=" in p.message and "--text-col" in p.message
    assert "no text column" in report.summary()


def test_mapped_column_missing_from_data() -> None:
    df = _frame(Comment=["hello"])
    p = _one(validate(df, ColumnMapping(text="comment ")), "unknown_column")
    assert p.severity == "error"
    assert "'Comment'" in p.message and "Did you mean" in p.message


def test_score_not_numeric_names_rows_and_values() -> None:
    df = _frame(text=["a b"] * 4, score=["9", "ten", "", "n/a"])
    p = _one(validate(df, ColumnMapping(text="text", score="score")), "score_not_numeric")
    assert p.rows == (3,)
    assert "row 3" in p.message and "'ten'" in p.message
    assert "Replace them with a number" in p.message


def test_score_out_of_range_explicit_scale() -> None:
    df = _frame(text=["a b"] * 3, score=["1", "6", "0"])
    report = validate(df, ColumnMapping(text="text", score="score"), score_scale=CSAT_1_5)
    p = _one(report, "score_out_of_range")
    assert p.rows == (3, 4)
    assert "between 1 and 5" in p.message and "rows 3, 4" in p.message and "given" in p.message
    assert report.score_scale == CSAT_1_5


def test_score_custom_inferred_scale_asks_for_scale() -> None:
    df = _frame(text=["a b"] * 3, score=["0", "100", "50"])
    mapping = ColumnMapping(text="text", score="score")
    p = _one(validate(df, mapping), "score_out_of_range")
    assert p.rows == (3, 4)
    assert "--score-scale 0..100" in p.message and "ScoreScale.custom(0, 100)" in p.message
    assert validate(df, mapping, score_scale=ScoreScale.custom(0, 100)).ok


def test_unparseable_dates_and_empty_dates_fine() -> None:
    df = _frame(text=["a b"] * 4, date=["2024-01-31", "", "yesterday", "2024-13-45"])
    p = _one(validate(df, ColumnMapping(text="text", date="date")), "unparseable_date")
    assert p.rows == (4, 5)
    assert "'yesterday'" in p.message and "ISO" in p.message


def test_ambiguous_dates_warn() -> None:
    df = _frame(text=["a b"] * 2, date=["03/04/2024", "05/06/2024"])
    p = _one(validate(df, ColumnMapping(text="text", date="date")), "ambiguous_date")
    assert p.severity == "warning" and "03/04/2024" in p.message


def test_duplicate_and_missing_ids() -> None:
    df = _frame(id=["a", "b", "a", "", "b", "c"], text=["x y"] * 6)
    report = validate(df, ColumnMapping(text="text", id="id"))
    dup = _one(report, "duplicate_id")
    assert dup.rows == (2, 3, 4, 6)  # every duplicate, not only the later ones
    assert "'a', 'b'" in dup.message and "id_col=None" in dup.message
    missing = _one(report, "missing_id")
    assert missing.rows == (5,)


def test_empty_comments_are_a_warning_with_count_and_rows() -> None:
    df = _frame(text=["Great", "", "-", "n/a", "Slow app", None])
    report = validate(df, ColumnMapping(text="text"))
    assert report.ok
    assert (report.n_rows, report.n_valid_text, report.n_empty_text) == (6, 2, 4)
    p = _one(report, "empty_text")
    assert p.severity == "warning" and p.rows == (3, 4, 5, 7)
    assert "4 of 6" in p.message and "kept" in p.message
    assert report.summary().startswith(
        "6 rows read; 2 with text; 4 empty or non-text comments (rows 3, 4, 5, 7) kept"
    )


def test_all_empty_text_is_an_error() -> None:
    df = _frame(text=["", "1", "-"])
    assert _one(validate(df, ColumnMapping(text="text")), "no_text").severity == "error"


def test_every_problem_reported_at_once() -> None:
    df = _frame(
        id=["1", "1", "3"],
        text=["fine", "", "ok"],
        score=["5", "x", "12"],
        date=["2024-01-01", "bad", ""],
    )
    mapping = ColumnMapping(text="text", score="score", date="date", id="id", channel="chan")
    report = validate(df, mapping, score_scale=NPS_0_10)
    kinds = {p.kind for p in report.problems}
    assert kinds == {
        "unknown_column",
        "empty_text",
        "score_not_numeric",
        "score_out_of_range",
        "unparseable_date",
        "duplicate_id",
    }
    with pytest.raises(ValidationError) as exc:
        report.raise_if_errors()
    assert len(exc.value.problems) == 5
    assert "duplicate_id" in str(exc.value) and "unparseable_date" in str(exc.value)
    frame = report.to_frame()
    assert list(frame.columns) == ["kind", "severity", "column", "n_rows", "rows", "message"]
    assert len(frame) == 6
    assert "5 error(s)" in report.summary()


def test_long_row_lists_are_truncated() -> None:
    df = _frame(text=["a b"] * 30, score=["99"] * 30)
    p = _one(validate(df, ColumnMapping(text="text", score="score")), "score_out_of_range")
    assert len(p.rows) == 30
    assert "rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 20 more" in p.message


def test_reader_problems_are_included() -> None:
    df = read_feedback(b"id,comment\n1,hello\n2,hello, world\n", filename="x.csv")
    report = validate(df, infer_mapping(df))
    p = _one(report, "ragged_row")
    assert p.rows == (3,) and not report.ok
    assert "ragged_row" in str(p)


# ------------------------------------------------------------------------------------------
# to_canonical
# ------------------------------------------------------------------------------------------


def test_to_canonical_keeps_rows_in_order_with_row_number_ids() -> None:
    df = _frame(
        comment=["first", "", "third", None],
        score=["9", "", "n/a", "4"],
        segment=["smb", " ", "ent", None],
    ).set_axis([10, 5, 7, 1])
    out = to_canonical(df, ColumnMapping(text="comment", score="score", segment="segment"))
    assert list(out.columns) == [DOC_ID, TEXT, "score", "segment"]
    assert out.index.tolist() == [0, 1, 2, 3]
    assert out[DOC_ID].tolist() == ["1", "2", "3", "4"]
    assert out[TEXT].tolist() == ["first", "", "third", ""]
    assert out["score"].dtype == np.float64
    assert out["score"].iloc[0] == 9.0 and out["score"].iloc[1:3].isna().all()
    assert out["segment"].iloc[0] == "smb" and out["segment"].iloc[1:].isna().tolist() == [
        True,
        False,
        True,
    ]
    assert out.attrs["voc_mapping"]["text"] == "comment"


def test_to_canonical_id_date_and_native_types() -> None:
    df = pd.DataFrame(
        {
            "id": [7.0, 8.0],
            "text": ["a b", 12],
            "when": pd.to_datetime(["2024-01-02", None]),
            "channel": ["web", "app"],
        }
    )
    out = to_canonical(df, ColumnMapping(text="text", id="id", date="when", channel="channel"))
    assert out[DOC_ID].tolist() == ["7", "8"]
    assert out[TEXT].tolist() == ["a b", "12"]
    assert out["date"].dtype.kind == "M" and pd.isna(out["date"].iloc[1])
    ids = to_canonical(
        _frame(id=["007", "008"], t=["x y", "z w"]), ColumnMapping(text="t", id="id")
    )
    assert ids[DOC_ID].tolist() == ["007", "008"]


def test_to_canonical_raises_with_all_errors() -> None:
    df = _frame(id=["1", "1"], text=["a", "b"], score=["x", "5"])
    with pytest.raises(ValidationError) as exc:
        to_canonical(df, ColumnMapping(text="text", score="score", id="id"))
    assert {p.kind for p in exc.value.problems} == {"duplicate_id", "score_not_numeric"}
