//! The `project_name._accelerate` extension module.
//!
//! Each submodule is a Rust module declared with `#[pymodule]` and exported
//! here; `project_name/__init__.py` registers it in `sys.modules` so that
//! `import project_name._accelerate.<submodule>` works.

use pyo3::prelude::*;

pub mod basic_functions;

#[pymodule(module = "project_name")]
mod _accelerate {
    #[pymodule_export]
    use crate::basic_functions::basic_functions;
}
