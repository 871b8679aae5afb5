"""The audience bounds every search; filters become row masks."""

from __future__ import annotations

import numpy as np
import pytest

from kotae.kb import Kind, Visibility
from kotae.retrieval import Audience, SearchFilter
from kotae.retrieval.filters import RowTable

ROWS = [
    {"kind": "manual", "visibility": "public", "language": "ja", "product": "invoice"},
    {"kind": "manual", "visibility": "internal", "language": "ja", "product": "invoice"},
    {"kind": "faq", "visibility": "public", "language": "en", "product": "invoice"},
    {"kind": "faq", "visibility": "internal", "language": "ja", "product": "payroll"},
    {"kind": "ticket", "visibility": "internal", "language": "ja", "product": "invoice"},
    {"kind": "ticket", "visibility": "public", "language": "en", "product": "payroll"},
]
TABLE = RowTable.from_rows(ROWS)

PUBLIC_ROWS = [0, 2]


def _rows(f: SearchFilter) -> list[int]:
    return np.flatnonzero(TABLE.mask(f)).tolist()


@pytest.mark.parametrize("asked", [
    SearchFilter(),
    SearchFilter(kinds=frozenset({Kind.TICKET})),
    SearchFilter(visibilities=frozenset({Visibility.INTERNAL})),
    SearchFilter(kinds=frozenset(Kind), visibilities=frozenset(Visibility)),
    SearchFilter(kinds=frozenset({Kind.TICKET, Kind.FAQ}),
                 visibilities=frozenset({Visibility.INTERNAL, Visibility.PUBLIC})),
])
def test_public_audience_never_sees_tickets_or_internal(asked: SearchFilter) -> None:
    narrowed = asked.for_audience(Audience.PUBLIC)
    assert Kind.TICKET not in narrowed.kinds
    assert narrowed.visibilities <= {Visibility.PUBLIC}
    rows = _rows(narrowed)
    assert set(rows) <= set(PUBLIC_ROWS)
    for row in rows:
        assert ROWS[row]["kind"] != "ticket" and ROWS[row]["visibility"] == "public"


def test_public_asking_only_for_what_it_may_not_read_gets_nothing() -> None:
    for asked in (SearchFilter(kinds=frozenset({Kind.TICKET})),
                  SearchFilter(visibilities=frozenset({Visibility.INTERNAL}))):
        narrowed = asked.for_audience(Audience.PUBLIC)
        assert narrowed.nothing
        assert _rows(narrowed) == []


def test_public_default_filter_sees_all_public_non_ticket_rows() -> None:
    assert _rows(SearchFilter().for_audience(Audience.PUBLIC)) == PUBLIC_ROWS


def test_public_keeps_the_other_criteria() -> None:
    asked = SearchFilter(kinds=frozenset({Kind.FAQ}), languages=frozenset({"en"}))
    narrowed = asked.for_audience(Audience.PUBLIC)
    assert narrowed.kinds == {Kind.FAQ} and narrowed.languages == {"en"}
    assert _rows(narrowed) == [2]


def test_agent_filter_is_unchanged() -> None:
    for asked in (SearchFilter(), SearchFilter(kinds=frozenset({Kind.TICKET})),
                  SearchFilter(visibilities=frozenset({Visibility.INTERNAL}))):
        assert asked.for_audience(Audience.AGENT) == asked
    assert _rows(SearchFilter().for_audience(Audience.AGENT)) == list(range(len(ROWS)))


def test_mask_by_each_column() -> None:
    assert _rows(SearchFilter(kinds=frozenset({Kind.TICKET}))) == [4, 5]
    assert _rows(SearchFilter(visibilities=frozenset({Visibility.INTERNAL}))) == [1, 3, 4]
    assert _rows(SearchFilter(languages=frozenset({"en"}))) == [2, 5]
    assert _rows(SearchFilter(products=frozenset({"payroll"}))) == [3, 5]
    assert _rows(SearchFilter(kinds=frozenset({Kind.FAQ, Kind.MANUAL}),
                              languages=frozenset({"ja"}),
                              products=frozenset({"invoice"}))) == [0, 1]
    assert _rows(SearchFilter(products=frozenset({"unknown"}))) == []


def test_mask_shape_and_nothing() -> None:
    mask = TABLE.mask(SearchFilter())
    assert mask.dtype == bool and mask.shape == (len(ROWS),) and mask.all()
    assert not TABLE.mask(SearchFilter(nothing=True)).any()
    assert len(TABLE) == len(ROWS)
