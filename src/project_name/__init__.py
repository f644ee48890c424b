"""project_name: a Python package with a Rust core."""

import sys
from importlib.metadata import version
from types import ModuleType

from project_name import _accelerate

# PyO3 submodules are attributes, not packages: register each one so that
# `import project_name._accelerate.basic_functions` works like a normal import.
for _name, _module in vars(_accelerate).items():
    if isinstance(_module, ModuleType):
        sys.modules[f"{_accelerate.__name__}.{_name}"] = _module

from project_name._accelerate.basic_functions import (  # noqa: E402
    BoundedCounter,
    LimitExceededError,
    add_in_rust,
    concat_in_rust,
    leibniz_pi_in_rust,
    subtract_in_rust,
)

__version__ = version("project-name")
__all__ = [
    "__version__",
    "BoundedCounter",
    "LimitExceededError",
    "add_in_rust",
    "concat_in_rust",
    "leibniz_pi_in_rust",
    "subtract_in_rust",
]
