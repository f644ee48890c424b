"""The class and the exception of basic_functions, as Python sees them."""

import inspect
import pickle

import pytest

from project_name import BoundedCounter, LimitExceededError

MODULE = "project_name._accelerate.basic_functions"


def test_counts_up_to_its_limit() -> None:
    counter = BoundedCounter(3)
    assert (counter.count, counter.limit) == (0, 3)
    assert counter.increment() == 1
    assert counter.increment(step=2) == 3
    assert repr(counter) == "BoundedCounter(limit=3, count=3)"


def test_a_step_past_the_limit_raises_and_changes_nothing() -> None:
    counter = BoundedCounter(3, count=2)
    with pytest.raises(LimitExceededError, match="4 is past the limit 3"):
        counter.increment(2)
    assert counter.count == 2
    with pytest.raises(LimitExceededError):
        counter.increment(2**64 - 1)  # no overflow into a small count


def test_count_is_set_within_the_limit_and_limit_is_read_only() -> None:
    counter = BoundedCounter(3)
    counter.count = 3
    with pytest.raises(LimitExceededError):
        counter.count = 4
    assert counter.count == 3
    with pytest.raises(AttributeError):
        counter.limit = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("args", "error"),
    [((1, 2), LimitExceededError), ((-1,), OverflowError), (("3",), TypeError), ((), TypeError)],
)
def test_bad_arguments_raise(args: tuple[object, ...], error: type[Exception]) -> None:
    with pytest.raises(error):
        BoundedCounter(*args)  # type: ignore[arg-type]


def test_the_exception_is_a_value_error_of_the_module() -> None:
    assert issubclass(LimitExceededError, ValueError)  # `except ValueError` catches it
    assert LimitExceededError.__module__ == MODULE
    assert LimitExceededError.__doc__ == "Raised when a BoundedCounter would go past its limit."
    assert pickle.loads(pickle.dumps(LimitExceededError("x"))).args == ("x",)


def test_the_class_presents_itself() -> None:
    assert BoundedCounter.__module__ == MODULE
    assert str(inspect.signature(BoundedCounter)) == "(limit, count=0)"
    assert BoundedCounter.__doc__ and BoundedCounter.increment.__doc__
    assert pickle.loads(pickle.dumps(BoundedCounter)) is BoundedCounter
