//! Embeds the bundled theme, `themes/dough/`, in the binary so that
//! `knead init` works from any folder: writes `OUT_DIR/dough_theme.rs`, a list
//! of the theme's files (path relative to the theme, `include_bytes!` of the
//! file), sorted by path. Hidden files are left out, as discovery ignores them.

use std::path::{Path, PathBuf};
use std::{env, fs};

const THEME_DIR: &str = "themes/dough";

fn main() {
    // A folder here makes Cargo rerun this script when any file under it changes.
    println!("cargo::rerun-if-changed={THEME_DIR}");
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("Cargo sets CARGO_MANIFEST_DIR");
    let theme_dir = Path::new(&manifest_dir).join(THEME_DIR);
    let mut files = Vec::new();
    collect_files(&theme_dir, &mut files);
    files.sort();
    let mut code = String::from("&[\n");
    for path in files {
        let rel_path = path
            .strip_prefix(&theme_dir)
            .expect("a file under the theme folder")
            .components()
            .map(|c| c.as_os_str().to_str().expect("UTF-8 theme file names"))
            .collect::<Vec<_>>()
            .join("/");
        let path = path.to_str().expect("a UTF-8 path to the theme");
        code.push_str(&format!("    ({rel_path:?}, include_bytes!({path:?})),\n"));
    }
    code.push_str("]\n");
    let out_dir = env::var("OUT_DIR").expect("Cargo sets OUT_DIR");
    fs::write(Path::new(&out_dir).join("dough_theme.rs"), code).expect("write dough_theme.rs");
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}
