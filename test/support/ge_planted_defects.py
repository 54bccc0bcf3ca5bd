"""Write a small table with planted defects and a GE 1.x suite that covers issue 15's list.

    python ge_planted_defects.py OUT_DIR

Writes OUT_DIR/data.parquet (20 rows, one defect or boundary value per planted row, named
in PLANTED) and OUT_DIR/suite.json. Run ge_validate.py on them to see GE's answers; the
findings are written up in docs/ge-semantics.md.
"""

from __future__ import annotations

import json
import math
import os
import sys
from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.parquet as pq

N = 20
NAN = math.nan

# Row -> what was planted there, so a reader of GE's unexpected_index_list knows why.
PLANTED = {
    "user_id": "null at 3 and 7 (int64 column with nulls: float64 in pandas)",
    "price": "null at 2, 11; 0.0 at 0 and 100.0 at 1 (bounds); -3.5 at 5; 1000.0 at 9",
    "ratio": "a true float NaN at 4 and a null at 6",
    "name": "null at 8; 'bob!' at 10 (regex); '' at 12 (length 0)",
    "email": "'not-an-email' at 4; 'x@y' at 13; null at 15",
    "category": "'z' at 6 (not in set); null at 14",
    "code": "'ABCD' at 7 (length 4, others 3); null at 16",
    "a,b": "a == b at 3; a < b at 12; b null at 17; a null at 18",
    "x,y": "x != y at 5; y null at 9; both null at 10",
    "k1,k2": "(1,'p') at 1 and 2; k1 null at 19 (and k2 'p' there)",
    "s1,s2,s3": "s1 == s2 at 5; s2 == s3 at 10; s3 null at 11; s2 and s3 null at 12",
    "m1,m2,m3": "sum 10 everywhere but 7 (sum 11); m3 null at 8",
    "dup": "4, 6 and 15 all 42; nulls at 0 and 1",
}


def col(values, type_):
    return pa.array(values, type=type_)


def table() -> pa.Table:
    ids = list(range(N))
    user_id = [None if i in (3, 7) else 100 + i for i in ids]
    price = [float(i * 5 + 3) for i in ids]
    for row, value in {0: 0.0, 1: 100.0, 2: None, 5: -3.5, 9: 1000.0, 11: None}.items():
        price[row] = value
    ratio = [i / 10 for i in ids]
    ratio[4], ratio[6] = NAN, None
    name = [f"user{i}" for i in ids]
    name[8], name[10], name[12] = None, "bob!", ""
    email = [f"u{i}@example.com" for i in ids]
    email[4], email[13], email[15] = "not-an-email", "x@y", None
    category = ["abc"[i % 3] for i in ids]
    category[6], category[14] = "z", None
    code = [f"C{i:02d}" for i in ids]
    code[7], code[16] = "ABCD", None
    a = [float(i + 10) for i in ids]
    b = [float(i) for i in ids]
    b[3] = a[3]
    b[12] = a[12] + 1
    b[17], a[18] = None, None
    x = [i * 2 for i in ids]
    y = list(x)
    y[5], y[9] = 999, None
    x[10], y[10] = None, None
    k1 = ids.copy()
    k2 = ["q"] * N
    k1[1], k2[1], k1[2], k2[2] = 1, "p", 1, "p"
    k1[19], k2[19] = None, "p"
    s1 = [f"a{i}" for i in ids]
    s2 = [f"b{i}" for i in ids]
    s3 = [f"c{i}" for i in ids]
    s2[5] = s1[5]
    s3[10] = s2[10]
    s3[11] = None
    s2[12], s3[12] = None, None
    m1 = [3] * N
    m2 = [3] * N
    m3 = [4] * N
    m3[7] = 5
    m3[8] = None
    dup = ids.copy()
    dup[4] = dup[6] = dup[15] = 42
    dup[0] = dup[1] = None
    ts = [datetime(2026, 1, 1 + i, tzinfo=timezone.utc) for i in ids]
    flag = [i % 2 == 0 for i in ids]
    return pa.table(
        {
            "id": col(ids, pa.int64()),
            "user_id": col(user_id, pa.int64()),
            "qty": col([i % 7 for i in ids], pa.int32()),
            "price": col(price, pa.float64()),
            "ratio": col(ratio, pa.float64()),
            "name": col(name, pa.string()),
            "email": col(email, pa.string()),
            "category": col(category, pa.string()),
            "code": col(code, pa.string()),
            "a": col(a, pa.float64()),
            "b": col(b, pa.float64()),
            "x": col(x, pa.int64()),
            "y": col(y, pa.int64()),
            "k1": col(k1, pa.int64()),
            "k2": col(k2, pa.string()),
            "s1": col(s1, pa.string()),
            "s2": col(s2, pa.string()),
            "s3": col(s3, pa.string()),
            "m1": col(m1, pa.int64()),
            "m2": col(m2, pa.int64()),
            "m3": col(m3, pa.int64()),
            "dup": col(dup, pa.int64()),
            "ts": col(ts, pa.timestamp("us", tz="UTC")),
            "flag": col(flag, pa.bool_()),
        }
    )


def e(expectation_type: str, /, **kwargs) -> dict:
    return {"type": expectation_type, "kwargs": kwargs, "meta": {}}


def suite() -> dict:
    cols = [f.name for f in table().schema]
    abc = ["a", "b", "c"]
    s123 = ["s1", "s2", "s3"]
    return {
        "name": "planted_defects",
        "expectations": [
            e("expect_column_values_to_not_be_null", column="user_id"),
            e("expect_column_values_to_not_be_null", column="user_id", mostly=0.9),
            e("expect_column_values_to_not_be_null", column="ratio"),
            e("expect_column_values_to_be_null", column="name"),
            e("expect_column_values_to_be_between", column="price", min_value=0, max_value=100),
            e(
                "expect_column_values_to_be_between",
                column="price",
                min_value=0,
                max_value=100,
                strict_min=True,
                strict_max=True,
            ),
            e("expect_column_values_to_be_between", column="price", min_value=0, mostly=0.8),
            e("expect_column_values_to_be_between", column="ratio", max_value=1.5),
            e("expect_column_values_to_be_in_set", column="category", value_set=["a", "b", "c"]),
            e("expect_column_values_to_not_be_in_set", column="category", value_set=["z", "y"]),
            e("expect_column_values_to_match_regex", column="email", regex=r"@example\.com"),
            e("expect_column_values_to_match_regex", column="name", regex=r"^user"),
            e("expect_column_values_to_not_match_regex", column="name", regex=r"[!?]"),
            e("expect_column_values_to_be_unique", column="dup"),
            e("expect_column_values_to_be_of_type", column="user_id", type_="int64"),
            e("expect_column_values_to_be_of_type", column="user_id", type_="float64"),
            e("expect_column_values_to_be_of_type", column="qty", type_="int32"),
            e("expect_column_values_to_be_of_type", column="name", type_="str"),
            e("expect_column_values_to_be_of_type", column="ts", type_="datetime64"),
            e("expect_column_values_to_be_of_type", column="flag", type_="bool"),
            e("expect_column_value_lengths_to_be_between", column="name", min_value=1, max_value=6),
            e("expect_column_value_lengths_to_equal", column="code", value=3),
            e("expect_column_mean_to_be_between", column="price", min_value=0, max_value=100),
            e(
                "expect_column_mean_to_be_between",
                column="qty",
                min_value=2.85,
                max_value=3,
                strict_min=True,
            ),
            e("expect_column_median_to_be_between", column="price", min_value=0, max_value=100),
            e("expect_column_median_to_be_between", column="qty", min_value=3, max_value=3),
            e("expect_column_stdev_to_be_between", column="price", min_value=0, max_value=100),
            e("expect_column_min_to_be_between", column="price", min_value=0),
            e("expect_column_max_to_be_between", column="price", max_value=100),
            e(
                "expect_column_max_to_be_between",
                column="ts",
                min_value="2026-01-01",
                max_value="2026-12-31",
            ),
            e("expect_column_sum_to_be_between", column="price", min_value=0, max_value=2000),
            e(
                "expect_column_quantile_values_to_be_between",
                column="price",
                quantile_ranges={
                    "quantiles": [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0],
                    "value_ranges": [
                        [-10, 0], [0, 10], [20, 30], [40, 60], [70, 80], [80, 100], [90, 1000]
                    ],
                },
            ),
            e(
                "expect_column_quantile_values_to_be_between",
                column="qty",
                quantile_ranges={
                    "quantiles": [0.33, 0.5, 0.66],
                    "value_ranges": [[None, None], [None, None], [None, None]],
                },
            ),
            e(
                "expect_column_unique_value_count_to_be_between",
                column="dup",
                min_value=16,
                max_value=18,
            ),
            e(
                "expect_column_proportion_of_unique_values_to_be_between",
                column="dup",
                min_value=0.5,
                max_value=1,
            ),
            e("expect_column_distinct_values_to_be_in_set", column="category", value_set=abc),
            e(
                "expect_column_distinct_values_to_contain_set",
                column="category",
                value_set=["a", "y"],
            ),
            e(
                "expect_column_distinct_values_to_equal_set",
                column="category",
                value_set=[*abc, "z"],
            ),
            e("expect_column_most_common_value_to_be_in_set", column="dup", value_set=[42]),
            e("expect_column_most_common_value_to_be_in_set", column="qty", value_set=[0, 1, 2]),
            e("expect_table_row_count_to_be_between", min_value=10, max_value=20),
            e("expect_table_row_count_to_equal", value=21),
            e("expect_table_columns_to_match_ordered_list", column_list=cols[:2] + ["qty", "nope"]),
            e("expect_table_columns_to_match_set", column_set=cols[:-1] + ["nope"]),
            e("expect_table_columns_to_match_set", column_set=cols[:5], exact_match=False),
            e("expect_column_to_exist", column="price"),
            e("expect_column_to_exist", column="missing_col"),
            e("expect_column_to_exist", column="qty", column_index=1),
            e("expect_column_pair_values_a_to_be_greater_than_b", column_A="a", column_B="b"),
            e(
                "expect_column_pair_values_a_to_be_greater_than_b",
                column_A="a",
                column_B="b",
                or_equal=True,
            ),
            e(
                "expect_column_pair_values_a_to_be_greater_than_b",
                column_A="a",
                column_B="b",
                ignore_row_if="either_value_is_missing",
            ),
            e("expect_column_pair_values_to_be_equal", column_A="x", column_B="y"),
            e(
                "expect_column_pair_values_to_be_equal",
                column_A="x",
                column_B="y",
                ignore_row_if="either_value_is_missing",
            ),
            e("expect_compound_columns_to_be_unique", column_list=["k1", "k2"]),
            e("expect_select_column_values_to_be_unique_within_record", column_list=s123),
            e(
                "expect_select_column_values_to_be_unique_within_record",
                column_list=s123,
                ignore_row_if="never",
            ),
            e("expect_multicolumn_sum_to_equal", column_list=["m1", "m2", "m3"], sum_total=10),
        ],
        "meta": {"planted": PLANTED},
    }


def main(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    pq.write_table(table(), os.path.join(out_dir, "data.parquet"))
    with open(os.path.join(out_dir, "suite.json"), "w", encoding="utf-8") as f:
        json.dump(suite(), f, indent=2)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
