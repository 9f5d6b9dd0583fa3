"""The review rules on their own (no database): dates past at their precision, the review
period, the newest of partial dates."""

import datetime as dt

import pytest

from app.services.review import Review, ReviewPolicy, months_before, newest


@pytest.mark.parametrize(
    ("value", "today", "passed"),
    [
        ("2025", dt.date(2025, 12, 31), False),  # a year is past once it is over
        ("2025", dt.date(2026, 1, 1), True),
        ("2026-10", dt.date(2026, 10, 31), False),  # a month once it is over
        ("2026-10", dt.date(2026, 11, 1), True),
        ("2024-02", dt.date(2024, 2, 29), False),  # leap February ends on the 29th
        ("2024-02", dt.date(2024, 3, 1), True),
        ("2026-04-14", dt.date(2026, 4, 14), False),  # a day once it is over
        ("2026-04-14", dt.date(2026, 4, 15), True),
        (None, dt.date(2030, 1, 1), False),
    ],
)
def test_a_date_has_passed_once_every_day_it_covers_has(
    value: str | None, today: dt.date, passed: bool
) -> None:
    assert ReviewPolicy(today=today).passed(value) is passed


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 12, 6), 12, dt.date(2025, 12, 6)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 3, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2026, 1, 15), 25, dt.date(2023, 12, 15)),
    ],
)
def test_months_before(day: dt.date, months: int, expected: dt.date) -> None:
    assert months_before(day, months) == expected


def test_newest_is_the_latest_last_day_and_the_more_precise_on_a_tie() -> None:
    assert newest(["2024-12", "2024-12-17", None]) == "2024-12"
    assert newest(["2024-12-31", "2024-12"]) == "2024-12-31"
    assert newest(["2025", "2025-12-31"]) == "2025-12-31"
    assert newest([None]) is None


def test_a_current_state_is_stale_after_the_review_period_counted_from_its_evidence() -> None:
    today = dt.date(2026, 12, 6)
    fresh, stale, unknown = (Review(ReviewPolicy(today=today, months=12)) for _ in range(3))
    fresh.stale("status", "2025", "its status")  # 2025 covers days up to 2025-12-31
    stale.stale("status", "2025-11", "its status")
    unknown.stale("status", None, "its status")
    assert fresh.reasons == []
    assert [r.rule for r in stale.reasons] == ["not-attested"]
    assert "2025-11" in stale.reasons[0].detail
    assert [r.rule for r in unknown.reasons] == ["not-attested"]


def test_expected_ends_and_dates_are_flagged_only_once_passed() -> None:
    review = Review(ReviewPolicy(today=dt.date(2026, 11, 1)))
    review.expected_end("term_end", "2026-10", "The term")
    review.expected_end("term_end", "2026", "The term")
    review.date_passed("date", "2026-11", "This meeting")
    assert [(r.rule, r.field) for r in review.reasons] == [("expected-end-passed", "term_end")]
    assert review.fields(last_attested="2026-02")["needs_review"] is True
