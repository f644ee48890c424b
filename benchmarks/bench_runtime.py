"""Runtime benchmarks: what a call into Rust costs, and when the work pays for it.

`make bench` runs this file with pytest-benchmark against the release wheel
(optimised, abi3: what users install). Each table compares a Rust function
with its pure-Python twin (and a builtin, where Python has one); the figure
in brackets is the ratio to the table's fastest row.
"""

import operator
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from project_name import add_in_rust, concat_in_rust, leibniz_pi_in_rust, subtract_in_rust

# --- the pure-Python twins ----------------------------------------------------------


def add_in_python(a: int, b: int) -> int:
    return a + b


def subtract_in_python(a: int, b: int) -> int:
    return a - b


def concat_in_python(a: str, b: str) -> str:
    return a + b


# The twin the tests prove bit-for-bit equal to leibniz_pi_in_rust.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_basic_functions import leibniz_pi_in_python  # noqa: E402

# --- per call: so little work that the cost of calling shows -------------------------

CALLS = 1_000  # calls per round: the tables' microseconds are nanoseconds per call
SHORT = ("hello, ", "world")

# Each table: its arguments, then the Rust function, its Python twin and a builtin.
PER_CALL = {
    "add 2 + 3": ((2, 3), add_in_rust, add_in_python, operator.add),
    "subtract 2 - 3": ((2, 3), subtract_in_rust, subtract_in_python, operator.sub),
    "concat two short str": (SHORT, concat_in_rust, concat_in_python, operator.add),
}


def label(func: Callable[..., Any]) -> str:
    return f"operator.{func.__name__}" if func.__module__ == "_operator" else func.__name__


@pytest.mark.parametrize(
    ("table", "func"),
    [pytest.param(table, func, id=f"{table}: {label(func)}") for table, row in PER_CALL.items() for func in row[1:]],
)
def test_per_call(benchmark, table: str, func: Callable[[Any, Any], Any]) -> None:
    benchmark.group = f"per call, us per {CALLS:_} calls = ns per call: {table}"
    (a, b), _, python_twin, _ = PER_CALL[table]
    assert func(a, b) == python_twin(a, b)

    def calls() -> None:
        # A plain call, as code makes it (the loop adds ~10 ns to every row).
        for _ in range(CALLS):
            func(a, b)

    benchmark(calls)


# --- large arguments: each call converts them, and its result --------------------------

LONG = ("x" * 500_000, "y" * 500_000)


@pytest.mark.parametrize("func", [concat_in_rust, concat_in_python, operator.add], ids=label)
def test_large_arguments(benchmark, func: Callable[[str, str], str]) -> None:
    benchmark.group = "large arguments: concat two 500 kB str"
    assert benchmark(func, *LONG) == concat_in_python(*LONG)


# --- compute-bound: a long loop, which Rust runs without the GIL ---------------------

TERMS = 1_000_000
TWINS = [leibniz_pi_in_rust, leibniz_pi_in_python]


@cache
def expected_pi() -> float:
    return leibniz_pi_in_python(TERMS)


@pytest.mark.parametrize("func", TWINS, ids=label)
def test_compute_bound(benchmark, func: Callable[[int], float]) -> None:
    benchmark.group = f"compute: leibniz_pi({TERMS:_})"
    assert benchmark(func, TERMS) == expected_pi()


@pytest.fixture(scope="module")
def pools() -> Iterator[dict[int, ThreadPoolExecutor]]:
    with ThreadPoolExecutor(1) as one, ThreadPoolExecutor(2) as two:
        yield {1: one, 2: two}


@pytest.mark.parametrize("threads", [1, 2], ids=["1 thread", "2 threads"])
@pytest.mark.parametrize("func", TWINS, ids=label)
def test_two_calls_on_threads(benchmark, pools, func: Callable[[int], float], threads: int) -> None:
    # The same two calls on one thread, then on two: only code that releases
    # the GIL (the Rust function) runs both at once.
    benchmark.group = f"threads: two calls of {func.__name__}({TERMS:_})"
    assert benchmark(lambda: list(pools[threads].map(func, [TERMS, TERMS]))) == [expected_pi()] * 2
