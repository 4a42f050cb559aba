//! The dev server's request-path handling: `resolve_request_path` over a small
//! output tree (made once per process) that has a secret file beside it and
//! symlinks leading out of it. Beyond not panicking: a resolved file is always
//! inside the canonical root, and a redirect is always a local path.
#![no_main]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kneading::live::serve::{Resolved, resolve_request_path};
use libfuzzer_sys::fuzz_target;

/// The site folder: `output/` (the served root) and `secret.txt` beside it.
/// Kept for the life of the process: libFuzzer exits without running drops.
fn site_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("knead-fuzz-serve-")
            .tempdir()
            .expect("temp dir")
            .keep();
        let root = dir.join("output");
        for folder in ["guide/first", "css", "a b", "ü"] {
            fs::create_dir_all(root.join(folder)).expect("folder");
        }
        for file in [
            "index.html",
            "404.html",
            "guide/index.html",
            "guide/first/index.html",
            "css/site.css",
            "a b/index.html",
            "ü/index.html",
        ] {
            fs::write(root.join(file), file).expect("file");
        }
        fs::write(dir.join("secret.txt"), "secret").expect("file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink(dir.join("secret.txt"), root.join("secret.txt")).expect("symlink");
            symlink(&dir, root.join("up")).expect("symlink");
            symlink(root.join("guide"), root.join("inside")).expect("symlink");
        }
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(url_path) = std::str::from_utf8(data) else {
        return;
    };
    let root = site_dir().join("output");
    let canonical_root = root.canonicalize().expect("root");
    match resolve_request_path(&root, url_path) {
        Resolved::File(path) => {
            let real = path.canonicalize().expect("a resolved file exists");
            assert!(
                real.starts_with(&canonical_root),
                "{url_path:?} resolved to {}, outside {}",
                real.display(),
                canonical_root.display()
            );
            assert!(real.is_file(), "{url_path:?} resolved to a non-file");
        }
        Resolved::Redirect(location) => {
            assert!(
                location.starts_with('/') && !location.starts_with("//"),
                "{url_path:?} redirects off the site to {location:?}"
            );
            assert!(location.ends_with('/'), "{location:?}");
        }
        Resolved::NotFound => {}
    }
});
