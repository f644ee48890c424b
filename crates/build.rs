//! `cargo test` runs a binary that embeds Python: point it at the directory of
//! libpython (Linux, macOS), so that it runs from any shell or editor without
//! LD_LIBRARY_PATH. PyO3 adds nothing when it builds the extension module
//! (setuptools-rust says so with PYO3_BUILD_EXTENSION_MODULE): wheels carry no
//! such path. Windows finds pythonXY.dll on PATH instead (CONTRIBUTING.md, "Prerequisites").

fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
}
