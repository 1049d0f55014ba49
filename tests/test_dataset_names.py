"""ui.charts names each data set by its content (the browser keeps data sets by name across the page): frames
with the same columns, types, index and values get the same name, and any difference gives another."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from ui import charts


def frame(values: list[float], labels: list[str], index_start: int = 0) -> pd.DataFrame:
    n = min(len(values), len(labels))
    return pd.DataFrame(
        {"r": labels[:n], "s": np.arange(n), "c": np.asarray(values[:n], dtype=float)},
        index=pd.RangeIndex(index_start, index_start + n),
    )


VALUES = st.lists(st.floats(allow_nan=False, width=64), min_size=1, max_size=30)
LABELS = st.lists(st.sampled_from(["sgd", "adam", "rprop", "뉴턴", ""]), min_size=30, max_size=30)


@given(values=VALUES, labels=LABELS)
def test_the_same_content_gets_the_same_name(values, labels):
    name = charts._dataset_name(frame(values, labels))
    assert charts.CONTENT_NAME.fullmatch(name)
    assert charts._dataset_name(frame(list(values), list(labels))) == name  # another frame, the same content


@given(values=VALUES, labels=LABELS, k=st.integers(0, 29), change=st.sampled_from(["value", "label", "index"]))
def test_any_difference_gets_another_name(values, labels, k, change):
    before = frame(values, labels)
    k = k % len(before)
    if change == "value":
        after = before.copy()
        after.loc[after.index[k], "c"] = np.nextafter(after["c"].iloc[k], np.inf)
    elif change == "label":
        after = before.copy()
        after.loc[after.index[k], "r"] = after["r"].iloc[k] + "x"
    else:
        after = frame(values, labels, index_start=1)
    assert charts._dataset_name(after) != charts._dataset_name(before)


def test_columns_types_and_text_are_part_of_the_content():
    base = pd.DataFrame({"x": [1, 2]})
    others = [
        pd.DataFrame({"x": [1.0, 2.0]}),  # the same numbers as floats
        pd.DataFrame({"y": [1, 2]}),  # another column name
        pd.DataFrame({"x": ["1", "2"]}),  # text
        pd.DataFrame({"x": pd.Categorical(["1", "2"])}),  # categories
        pd.DataFrame({"x": [1, 2], "z": [0, 0]}),  # one more column
        pd.DataFrame({"x": [2, 1]}),  # the same values in another order
        pd.DataFrame({"x": [1, 2]}, index=pd.Index([0, 1])),  # an index of values, not a range
        pd.DataFrame({"x": [1, 2]}, index=pd.RangeIndex(2, name="step")),  # a named index
        pd.DataFrame({"x": [1, 2]}).rename_axis(columns="what"),  # named columns
    ]
    # Categories: their list and their order are part of the Arrow data too.
    categories = [  # against pd.Categorical(["1", "2"]) above, whose categories are ["1", "2"], unordered
        pd.DataFrame({"x": pd.Categorical(["1", "2"], categories=["2", "1"])}),
        pd.DataFrame({"x": pd.Categorical(["1", "2"], categories=["1", "2"], ordered=True)}),
        pd.DataFrame({"x": pd.Categorical(["1", "2"], categories=["1", "2", "3"])}),
    ]
    others += categories
    names = {charts._dataset_name(base), *(charts._dataset_name(df) for df in others)}
    assert len(names) == len(others) + 1
