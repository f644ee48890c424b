//! String handling: Python `str` arrives as UTF-8 `&str` (any code point,
//! NUL included) and goes back as a new `str`.

use pyo3::prelude::*;

/// Return the concatenation `a + b` of two strings.
#[pyfunction]
#[pyo3(signature = (a, b, /))]
pub fn concat_in_rust(a: &str, b: &str) -> String {
    let mut joined = String::with_capacity(a.len() + b.len());
    joined.push_str(a);
    joined.push_str(b);
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concatenates_any_unicode() {
        assert_eq!(concat_in_rust("", ""), "");
        assert_eq!(concat_in_rust("a\0", "b"), "a\0b");
        assert_eq!(concat_in_rust("Zoë ", "🦀"), "Zoë 🦀");
    }
}
