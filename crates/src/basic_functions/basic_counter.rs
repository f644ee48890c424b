//! A class that keeps state, and an exception of the module's own: a counter
//! that refuses to go past its limit.

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

// A Python exception class, a subclass of ValueError: `except ValueError`
// catches it too. Its first argument is the module the class says it is in.
create_exception!(
    project_name._accelerate.basic_functions,
    LimitExceededError,
    PyValueError,
    "Raised when a BoundedCounter would go past its limit."
);

fn limit_exceeded(value: u64, limit: u64) -> PyErr {
    LimitExceededError::new_err(format!("{value} is past the limit {limit}"))
}

/// A counter from 0 up to `limit`, never past it.
// `module` is the import path of its submodule: `__module__`, which pickling,
// `help()` and `repr` of the class show, is "builtins" without it.
#[pyclass(module = "project_name._accelerate.basic_functions")]
pub struct BoundedCounter {
    /// The highest count allowed.
    #[pyo3(get)]
    limit: u64,
    count: u64,
}

#[pymethods]
impl BoundedCounter {
    #[new]
    #[pyo3(signature = (limit, count = 0))]
    fn new(limit: u64, count: u64) -> PyResult<Self> {
        if count > limit {
            return Err(limit_exceeded(count, limit));
        }
        Ok(Self { limit, count })
    }

    /// The current count; setting it past the limit raises LimitExceededError.
    #[getter]
    fn count(&self) -> u64 {
        self.count
    }

    #[setter]
    fn set_count(&mut self, count: u64) -> PyResult<()> {
        if count > self.limit {
            return Err(limit_exceeded(count, self.limit));
        }
        self.count = count;
        Ok(())
    }

    /// Add `step` to the count and return the new count.
    ///
    /// Raises LimitExceededError, and leaves the count as it was, if the new
    /// count would pass the limit.
    #[pyo3(signature = (step = 1))]
    fn increment(&mut self, step: u64) -> PyResult<u64> {
        match self.count.checked_add(step) {
            Some(count) if count <= self.limit => {
                self.count = count;
                Ok(count)
            }
            _ => Err(limit_exceeded(self.count.saturating_add(step), self.limit)),
        }
    }

    fn __repr__(&self) -> String {
        format!("BoundedCounter(limit={}, count={})", self.limit, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_up_to_the_limit_and_no_further() {
        let mut counter = BoundedCounter::new(3, 1).unwrap();
        assert_eq!(counter.increment(2).unwrap(), 3);
        assert!(counter.increment(1).is_err());
        assert_eq!(counter.count(), 3, "a refused step changes nothing");
        assert!(counter.increment(u64::MAX).is_err(), "no overflow either");
        assert!(BoundedCounter::new(1, 2).is_err());
    }
}
