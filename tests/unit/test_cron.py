"""routing.yaml's cron check is Celery's: the same lines accepted, the same values, the same errors."""

from __future__ import annotations

import pytest
from celery.schedules import crontab_parser
from hypothesis import given, settings
from hypothesis import strategies as st

from topology.language.cron import cron_fields, expand

BOUNDS = [(60, 0), (24, 0), (31, 1), (12, 1), (7, 0)]
TOKENS = st.sampled_from(["*", "0", "1", "5", "7", "12", "31", "59", "60", "61", "mon", "fri", "jan", "dec", "x", ""])
PART = st.builds(
    lambda start, end, step: start + (f"-{end}" if end is not None else "") + (f"/{step}" if step is not None else ""),
    TOKENS,
    st.none() | TOKENS,
    st.none() | st.sampled_from(["", "0", "1", "2", "15", "x"]),
)
SPEC = st.lists(PART, min_size=1, max_size=3).map(",".join)


def celery_expand(spec: str, max_: int, min_: int) -> set[int] | str:
    try:
        return set(crontab_parser(max_, min_).parse(spec))
    except Exception as error:
        return str(error)


def ours(spec: str, max_: int, min_: int) -> set[int] | str:
    try:
        return expand(spec, max_, min_)
    except ValueError as error:
        return str(error)


@settings(max_examples=600, deadline=None)
@given(SPEC, st.sampled_from(BOUNDS))
def test_every_spec_expands_or_fails_as_celery_s_parser(spec: str, bounds: tuple[int, int]) -> None:
    expected = celery_expand(spec, *bounds)
    got = ours(spec, *bounds)
    if isinstance(expected, str):
        assert isinstance(got, str)  # refused by both (Celery's texts for int() failures name Python's)
        if "range" in expected or "literal" in expected or "filter" in expected:
            assert got == expected
    else:
        assert got == expected


def test_a_line_names_its_fields_and_refuses_a_fifth_missing() -> None:
    assert cron_fields("0 3 * * mon-fri")["day_of_week"] == "mon-fri"
    with pytest.raises(ValueError, match="a cron line has five fields"):
        cron_fields("0 3 * *")
    with pytest.raises(ValueError, match=r"'61 3 \* \* \*' is not a valid cron line: Invalid end range: 61 > 59\."):
        cron_fields("61 3 * * *")
