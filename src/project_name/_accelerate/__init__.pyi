# Type stubs for the compiled extension module project_name._accelerate
# (Rust source: crates/src/lib.rs). The tests check them with mypy.stubtest.
from project_name._accelerate import basic_functions as basic_functions

__all__ = [
    "basic_functions",
]
