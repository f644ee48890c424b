//! Compute-bound work: a long loop over numbers, run without the GIL so that
//! other Python threads keep running (and several calls run in parallel).

use pyo3::prelude::*;

/// Return pi estimated from the first `terms` terms of the Leibniz series,
/// 4 * (1 - 1/3 + 1/5 - 1/7 + ...).
///
/// Releases the GIL while it works, so other Python threads run meanwhile.
/// Raises OverflowError if `terms` is negative or does not fit in 64 bits.
#[pyfunction]
#[pyo3(signature = (terms, /))]
pub fn leibniz_pi_in_rust(py: Python<'_>, terms: u64) -> f64 {
    // `detach` releases the GIL around the closure; the compiler rejects
    // Python objects inside it, so convert arguments before and results after.
    py.detach(|| leibniz_pi(terms))
}

/// The loop itself, in plain Rust (no Python types: testable with `cargo test`).
fn leibniz_pi(terms: u64) -> f64 {
    let mut sum = 0.0;
    let mut sign = 1.0;
    for k in 0..terms {
        // The same operations, in the same order, as the pure-Python loop, so
        // the result is bit-for-bit the same.
        sum += sign / (2.0 * k as f64 + 1.0);
        sign = -sign;
    }
    4.0 * sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converges_to_pi() {
        assert_eq!(leibniz_pi(0), 0.0);
        assert_eq!(leibniz_pi(2), 4.0 * (1.0 - 1.0 / 3.0));
        assert!((leibniz_pi(1_000_000) - std::f64::consts::PI).abs() < 1e-5);
    }
}
