//! Integer arithmetic on 32-bit signed integers.
//!
//! Plain `a + b` panics on overflow in debug builds and wraps silently in
//! release builds; checked arithmetic raises `OverflowError` in both.

use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;

fn overflow(a: i32, op: &str, b: i32) -> PyErr {
    PyOverflowError::new_err(format!(
        "{a} {op} {b} does not fit in a 32-bit signed integer"
    ))
}

/// Return `a + b` for two 32-bit signed integers.
///
/// Raises OverflowError if an argument or the result does not fit in 32 bits.
#[pyfunction]
#[pyo3(signature = (a, b, /))]
pub fn add_in_rust(a: i32, b: i32) -> PyResult<i32> {
    a.checked_add(b).ok_or_else(|| overflow(a, "+", b))
}

/// Return `a - b` for two 32-bit signed integers.
///
/// Raises OverflowError if an argument or the result does not fit in 32 bits.
#[pyfunction]
#[pyo3(signature = (a, b, /))]
pub fn subtract_in_rust(a: i32, b: i32) -> PyResult<i32> {
    a.checked_sub(b).ok_or_else(|| overflow(a, "-", b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_and_subtracts_in_range() {
        assert_eq!(add_in_rust(2, 3).unwrap(), 5);
        assert_eq!(add_in_rust(i32::MIN, i32::MAX).unwrap(), -1);
        assert_eq!(subtract_in_rust(2, 3).unwrap(), -1);
        assert_eq!(subtract_in_rust(-1, i32::MAX).unwrap(), i32::MIN);
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        assert!(add_in_rust(i32::MAX, 1).is_err());
        assert!(add_in_rust(i32::MIN, -1).is_err());
        assert!(subtract_in_rust(i32::MIN, 1).is_err());
        assert!(subtract_in_rust(0, i32::MIN).is_err());
    }
}
