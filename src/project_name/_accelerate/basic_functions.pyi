# Type stubs for project_name._accelerate.basic_functions (Rust source:
# crates/src/basic_functions/). Add a line here for each new Rust function,
# class or exception.
from typing import final

__all__ = [
    "add_in_rust",
    "subtract_in_rust",
    "concat_in_rust",
    "leibniz_pi_in_rust",
    "BoundedCounter",
    "LimitExceededError",
]

def add_in_rust(a: int, b: int, /) -> int: ...
def subtract_in_rust(a: int, b: int, /) -> int: ...
def concat_in_rust(a: str, b: str, /) -> str: ...
def leibniz_pi_in_rust(terms: int, /) -> float: ...

# A #[pyclass] cannot be subclassed from Python (@final), and PyO3 builds it in
# __new__, not __init__.
@final
class BoundedCounter:
    def __new__(cls, limit: int, count: int = 0) -> BoundedCounter: ...
    @property
    def limit(self) -> int: ...
    @property
    def count(self) -> int: ...
    @count.setter
    def count(self, count: int) -> None: ...
    def increment(self, step: int = 1) -> int: ...

# create_exception!(..., LimitExceededError, PyValueError, ...)
class LimitExceededError(ValueError): ...
