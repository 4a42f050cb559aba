//! Fault injection for the tests of output-folder safety: a kill at a chosen
//! moment of the swap, a full disk, a folder that cannot be renamed. Faults
//! that luck would have to produce (a SIGKILL between two system calls) are
//! made certain here. Read only in debug builds, so a release binary has no
//! way to be told to fail.
//!
//! `KNEAD_FAULT` is a comma-separated list of points, each a name and, for
//! some, `=value`.

use std::io;
use std::path::Path;

/// The variable the tests set.
pub const FAULT_VAR: &str = "KNEAD_FAULT";

/// The value of fault `point` when the tests asked for it (`""` for a point
/// without a value).
fn requested(point: &str) -> Option<String> {
    if !cfg!(debug_assertions) {
        return None;
    }
    let faults = std::env::var(FAULT_VAR).ok()?;
    faults.split(',').find_map(|item| {
        let (name, value) = item.split_once('=').unwrap_or((item, ""));
        (name == point).then(|| value.to_string())
    })
}

/// Whether the tests asked for fault `point`.
pub fn is_set(point: &str) -> bool {
    requested(point).is_some()
}

/// Kills this process with SIGKILL at `point` when asked: no destructor and
/// no cleanup runs, as with a real kill.
pub fn kill_at(point: &str) {
    if !is_set(point) {
        return;
    }
    #[cfg(unix)]
    // SAFETY: kill(2) on our own pid has no memory-safety preconditions.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    std::process::abort();
}

/// `ENOSPC` for a write of `path` while the file named by fault
/// `disk-full-while` exists, so a test can fill and free the disk at chosen
/// moments. When that file holds text, only paths containing it fail: a disk
/// that fills up partway through a build.
pub fn disk_full(path: &Path) -> io::Result<()> {
    let Some(flag) = requested("disk-full-while") else {
        return Ok(());
    };
    let Ok(only) = std::fs::read_to_string(flag) else {
        return Ok(());
    };
    let only = only.trim();
    if only.is_empty() || path.to_string_lossy().contains(only) {
        return Err(no_space());
    }
    Ok(())
}

#[cfg(unix)]
fn no_space() -> io::Error {
    io::Error::from_raw_os_error(libc::ENOSPC)
}

#[cfg(not(unix))]
fn no_space() -> io::Error {
    io::Error::from(io::ErrorKind::StorageFull)
}
