"""Behaviour of the Rust functions as Python sees them (in the editable, debug build)."""

import importlib
import inspect
import math
import os
import pickle
import subprocess
import sys
import sysconfig
import threading
import time

import pytest

import project_name
from project_name._accelerate import basic_functions

I32_MIN, I32_MAX = -(2**31), 2**31 - 1


# --- results -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [(0, 0), (2, 3), (-7, 4), (I32_MAX, 0), (I32_MIN, 0), (I32_MAX, I32_MIN), (I32_MAX - 1, 1)],
)
def test_add_matches_python(a: int, b: int) -> None:
    assert basic_functions.add_in_rust(a, b) == a + b


@pytest.mark.parametrize(
    ("a", "b"),
    [(0, 0), (2, 3), (-7, 4), (I32_MIN + 1, 1), (-1, I32_MAX), (0, I32_MAX)],
)
def test_subtract_matches_python(a: int, b: int) -> None:
    assert basic_functions.subtract_in_rust(a, b) == a - b


def test_bool_is_an_int_as_in_python() -> None:
    assert basic_functions.add_in_rust(True, True) == 2


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("", ""),
        ("hello, ", "world"),
        ("Zoë O'Brien ", "🦀🐍"),  # accents and emoji (outside the BMP)
        ("e\u0301", "\u0301"),  # combining marks stay as they are (no normalisation)
        ("a\0b", "\0"),  # NUL is an ordinary character
        ("x" * 1_000_000, "y" * 1_000_000),  # megabyte-long inputs
    ],
)
def test_concat_matches_python(a: str, b: str) -> None:
    assert basic_functions.concat_in_rust(a, b) == a + b


def leibniz_pi_in_python(terms: int) -> float:
    """The pure-Python twin of leibniz_pi_in_rust: the same operations in the same order."""
    total = 0.0
    sign = 1.0
    for k in range(terms):
        total += sign / (2 * k + 1)
        sign = -sign
    return 4 * total


@pytest.mark.parametrize("terms", [0, 1, 2, 3, 10, 12_345])
def test_leibniz_pi_matches_python_bit_for_bit(terms: int) -> None:
    assert basic_functions.leibniz_pi_in_rust(terms) == leibniz_pi_in_python(terms)


def test_leibniz_pi_converges_to_pi() -> None:
    assert basic_functions.leibniz_pi_in_rust(1_000_000) == pytest.approx(math.pi, abs=1e-5)


# --- bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "a", "b"),
    [
        (basic_functions.add_in_rust, I32_MAX, 1),
        (basic_functions.add_in_rust, I32_MIN, -1),
        (basic_functions.subtract_in_rust, I32_MIN, 1),
        (basic_functions.subtract_in_rust, 0, I32_MIN),
    ],
)
def test_result_overflow_raises_overflow_error(func, a: int, b: int) -> None:
    # Never a silent wrap (release builds) nor a PanicException (debug builds).
    with pytest.raises(OverflowError, match="32-bit"):
        func(a, b)


@pytest.mark.parametrize("func", [basic_functions.add_in_rust, basic_functions.subtract_in_rust])
@pytest.mark.parametrize(("a", "b"), [(I32_MAX + 1, 0), (0, I32_MIN - 1), (10**100, 1)])
def test_argument_outside_i32_raises_overflow_error(func, a: int, b: int) -> None:
    with pytest.raises(OverflowError):
        func(a, b)


@pytest.mark.parametrize("func", [basic_functions.add_in_rust, basic_functions.subtract_in_rust])
@pytest.mark.parametrize(("a", "b"), [("1", 2), (1.0, 2), (None, 2), (1, [2])])
def test_wrong_type_raises_type_error_for_ints(func, a, b) -> None:
    with pytest.raises(TypeError):
        func(a, b)


@pytest.mark.parametrize(("a", "b"), [(1, "x"), ("x", None), (b"x", "y")])
def test_wrong_type_raises_type_error_for_strings(a, b) -> None:
    with pytest.raises(TypeError):
        basic_functions.concat_in_rust(a, b)


@pytest.mark.parametrize("func", [basic_functions.add_in_rust, basic_functions.concat_in_rust])
def test_wrong_argument_count_raises_type_error(func) -> None:
    with pytest.raises(TypeError):
        func(1)
    with pytest.raises(TypeError):
        func(a=1, b=2)  # positional-only


@pytest.mark.parametrize(
    ("terms", "error"),
    [(-1, OverflowError), (2**64, OverflowError), (1.0, TypeError), ("3", TypeError), (None, TypeError)],
)
def test_leibniz_pi_rejects_bad_terms(terms, error: type[Exception]) -> None:
    with pytest.raises(error):
        basic_functions.leibniz_pi_in_rust(terms)


def test_lone_surrogate_is_a_clear_error() -> None:
    # Rust strings are UTF-8, which cannot hold a lone surrogate.
    with pytest.raises(UnicodeEncodeError):
        basic_functions.concat_in_rust("\ud800", "x")


# --- threads -------------------------------------------------------------------------


def test_leibniz_pi_lets_other_threads_run_while_it_works() -> None:
    # A thread waiting for the GIL gets it when the running thread gives it up
    # or after the switch interval. With a 60 s interval, the other thread can
    # run only while a call releases the GIL: between calls this thread holds
    # it. On a busy machine the other thread may not be scheduled during one
    # short call, so the calls go on until it has run (or 20 s have passed).
    go = threading.Event()
    ran_meanwhile = threading.Event()

    def other() -> None:
        go.wait()
        ran_meanwhile.set()

    thread = threading.Thread(target=other)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(60)
    try:
        thread.start()
        go.set()  # from here on, `other` waits for the GIL
        deadline = time.monotonic() + 20
        while not ran_meanwhile.is_set() and time.monotonic() < deadline:
            basic_functions.leibniz_pi_in_rust(5_000_000)  # 40 ms in the debug build, 8 ms optimised
        overlapped = ran_meanwhile.is_set()
    finally:
        sys.setswitchinterval(interval)
        thread.join()
    assert overlapped, "no other thread ran during 20 s of calls: the GIL was held"


@pytest.mark.skipif(not sysconfig.get_config_var("Py_GIL_DISABLED"), reason="needs a free-threaded CPython")
def test_extension_keeps_the_gil_disabled() -> None:
    # cibuildwheel runs this on each free-threaded CPython (3.14t, ...). An
    # extension that does not declare free-threading support turns the GIL
    # back on when imported, with a RuntimeWarning.
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    code = "import sys, project_name; assert not sys._is_gil_enabled(), 'importing project_name enabled the GIL'"
    result = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", code], env=env, capture_output=True)
    assert result.returncode == 0, result.stderr


# --- how the functions present themselves ---------------------------------------


@pytest.mark.parametrize(
    ("name", "signature"),
    [
        ("add_in_rust", "(a, b, /)"),
        ("subtract_in_rust", "(a, b, /)"),
        ("concat_in_rust", "(a, b, /)"),
        ("leibniz_pi_in_rust", "(terms, /)"),
    ],
)
def test_signature_docstring_and_module(name: str, signature: str) -> None:
    func = getattr(basic_functions, name)
    assert str(inspect.signature(func)) == signature
    assert func.__doc__ and func.__doc__.strip()
    assert func.__module__ == "project_name._accelerate.basic_functions"
    assert pickle.loads(pickle.dumps(func)) is func


# --- import paths --------------------------------------------------------------------


def test_import_paths_reach_the_same_functions() -> None:
    from project_name import add_in_rust
    from project_name._accelerate.basic_functions import add_in_rust as direct

    bf = importlib.import_module("project_name._accelerate.basic_functions")
    assert add_in_rust is direct is bf.add_in_rust is basic_functions.add_in_rust
    assert set(project_name.__all__) >= {"add_in_rust", "subtract_in_rust", "concat_in_rust", "leibniz_pi_in_rust"}


def test_version_is_a_real_version_from_git() -> None:
    from packaging.version import Version  # pytest depends on packaging

    # setuptools-scm reads it from the git tag (or a dev version after it); 0.0.0 is
    # its fallback when it finds no git metadata, i.e. a broken version setup.
    assert str(Version(project_name.__version__)) == project_name.__version__
    assert project_name.__version__ != "0.0.0"
