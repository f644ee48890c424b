//! `project_name._accelerate.basic_functions`: small examples to copy from:
//! functions, a class and an exception.

pub mod basic_compute;
pub mod basic_counter;
pub mod basic_math;
pub mod basic_strings;

use pyo3::prelude::*;

// `module` gives the submodule (and so its functions' `__module__`) its full
// import path, which pickling, `help()` and error messages show.
#[pymodule(submodule, module = "project_name._accelerate")]
pub mod basic_functions {
    // Add a new function, class or exception here after writing it (and its
    // stub in src/project_name/_accelerate/basic_functions.pyi).
    #[pymodule_export]
    use super::basic_compute::leibniz_pi_in_rust;
    #[pymodule_export]
    use super::basic_counter::{BoundedCounter, LimitExceededError};
    #[pymodule_export]
    use super::basic_math::{add_in_rust, subtract_in_rust};
    #[pymodule_export]
    use super::basic_strings::concat_in_rust;
}
