"""Behaviour of the Rust functions as Python sees them (in the editable, debug build)."""

import importlib
import inspect
import pickle

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


def test_lone_surrogate_is_a_clear_error() -> None:
    # Rust strings are UTF-8, which cannot hold a lone surrogate.
    with pytest.raises(UnicodeEncodeError):
        basic_functions.concat_in_rust("\ud800", "x")


# --- how the functions present themselves ---------------------------------------


@pytest.mark.parametrize(
    "name", ["add_in_rust", "subtract_in_rust", "concat_in_rust"]
)
def test_signature_docstring_and_module(name: str) -> None:
    func = getattr(basic_functions, name)
    assert str(inspect.signature(func)) == "(a, b, /)"
    assert func.__doc__ and func.__doc__.strip()
    assert func.__module__ == "project_name._accelerate.basic_functions"
    assert pickle.loads(pickle.dumps(func)) is func


# --- import paths --------------------------------------------------------------------


def test_import_paths_reach_the_same_functions() -> None:
    from project_name import add_in_rust
    from project_name._accelerate.basic_functions import add_in_rust as direct

    bf = importlib.import_module("project_name._accelerate.basic_functions")
    assert add_in_rust is direct is bf.add_in_rust is basic_functions.add_in_rust
    assert set(project_name.__all__) >= {"add_in_rust", "subtract_in_rust", "concat_in_rust"}


def test_version_comes_from_installed_metadata() -> None:
    from importlib.metadata import version

    assert project_name.__version__ == version("project-name")
