//! Putting a complete staging folder in place of the output folder, and
//! cleaning up after builds that were killed while doing so.
//!
//! On Linux the swap is one `renameat2(RENAME_EXCHANGE)`: there is no moment
//! without an output folder, whenever the process dies. Elsewhere (or on a
//! file system without the exchange) it is two renames, old aside and new in;
//! a build killed between them leaves no output folder, and the next build
//! puts one back before anything else (`recover`).
//!
//! An output folder that cannot be renamed at all (a mount point, a bind
//! mount) is updated in place instead: see `update_in_place`.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::names::MARKER_FILE;
use crate::output::fault;

pub const NEW: &str = ".knead-new-";
const OLD: &str = ".knead-old-";

/// The folder beside the output where a build of process `pid` stages
/// (`NEW`) or sets the previous output aside (`OLD`).
pub fn beside(output: &Path, name: &str, kind: &str, pid: u32) -> PathBuf {
    let parent = output.parent().unwrap_or(Path::new("/"));
    parent.join(format!(".{name}{kind}{pid}"))
}

/// Makes `staging` the output folder and removes the previous one.
pub fn swap_in(staging: &Path, output: &Path, name: &str) -> Result<(), Diagnostic> {
    if !output.exists() {
        return fs::rename(staging, output)
            .map_err(|e| Diagnostic::io(output, "move the new output in place", &e));
    }
    match exchange(staging, output) {
        Ok(()) => {
            fault::kill_at("kill-after-swap");
            // `staging` now holds the previous output.
            return remove_old(staging);
        }
        Err(e) if cannot_be_moved(&e) => return update_in_place(staging, output),
        Err(e) if !exchange_unsupported(&e) => {
            return Err(Diagnostic::io(output, "swap the new output in", &e));
        }
        Err(_) => {}
    }
    let old = beside(output, name, OLD, std::process::id());
    match fs::rename(output, &old) {
        Ok(()) => {}
        Err(e) if cannot_be_moved(&e) => return update_in_place(staging, output),
        Err(e) => return Err(Diagnostic::io(output, "move the previous output aside", &e)),
    }
    fault::kill_at("kill-between-renames");
    if let Err(e) = fs::rename(staging, output) {
        let _ = fs::rename(&old, output);
        return Err(Diagnostic::io(output, "move the new output in place", &e));
    }
    remove_old(&old)
}

/// Swaps the two folders atomically where the system can.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    if fault::is_set("no-exchange") {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both are NUL-terminated paths that outlive the call.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// The system has no exchange, or this file system does not do it.
fn exchange_unsupported(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
        return true;
    }
    e.kind() == io::ErrorKind::Unsupported
}

/// The output folder is a mount point (`EBUSY`) or on another file system
/// than the folder it is in (`EXDEV`, a bind mount of a folder elsewhere).
fn cannot_be_moved(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ResourceBusy | io::ErrorKind::CrossesDevices
    )
}

fn remove_old(old: &Path) -> Result<(), Diagnostic> {
    match fs::remove_dir_all(old) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Diagnostic::io(old, "remove the previous output", &e)),
    }
}

/// Makes `output` hold exactly the files of `staging` without renaming the
/// folder itself, then removes `staging`. Each file is copied beside its old
/// self and renamed over it, so no reader sees half a file; but readers see
/// old and new files side by side until it is done, and a build killed midway
/// leaves that mix. The stamp goes first and the staging marker comes last,
/// so such a mix is never taken for a finished build: the next build is full.
pub fn update_in_place(staging: &Path, output: &Path) -> Result<(), Diagnostic> {
    let marker = output.join(MARKER_FILE);
    let unstamped = fs::read_to_string(&marker)
        .ok()
        .and_then(|text| text.lines().next().map(|l| format!("{l}\n")));
    if let Some(text) = unstamped {
        replace_with(&marker, |temporary| fs::write(temporary, &text))?;
    }
    let mut wanted = BTreeSet::new();
    for entry in walkdir::WalkDir::new(staging)
        .min_depth(1)
        .sort_by_file_name()
    {
        let entry =
            entry.map_err(|e| Diagnostic::io(staging, "read the staging folder", &e.into()))?;
        let rel = entry.path().strip_prefix(staging).unwrap_or(entry.path());
        wanted.insert(rel.to_path_buf());
        if entry.file_type().is_dir() || rel == Path::new(MARKER_FILE) {
            continue;
        }
        place_file(entry.path(), &output.join(rel))?;
    }
    remove_unwanted(output, &wanted)?;
    place_file(&staging.join(MARKER_FILE), &marker)?;
    remove_old(staging)
}

/// Copies `source` over `target` through a temporary beside it, making its
/// folder (and removing a file standing where the folder goes) as needed.
fn place_file(source: &Path, target: &Path) -> Result<(), Diagnostic> {
    if let Some(dir) = target.parent() {
        if dir.is_file() || dir.is_symlink() {
            fs::remove_file(dir).map_err(|e| Diagnostic::io(dir, "remove the file", &e))?;
        }
        fs::create_dir_all(dir).map_err(|e| Diagnostic::io(dir, "create the folder", &e))?;
    }
    if fs::symlink_metadata(target).is_ok_and(|m| m.is_dir()) {
        fs::remove_dir_all(target).map_err(|e| Diagnostic::io(target, "remove the folder", &e))?;
    }
    replace_with(target, |temporary| fs::copy(source, temporary).map(drop))
}

fn replace_with(
    target: &Path,
    write: impl FnOnce(&Path) -> io::Result<()>,
) -> Result<(), Diagnostic> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = target.with_file_name(format!(".{name}.knead-{}", std::process::id()));
    let written = fault::disk_full(&temporary)
        .and_then(|()| write(&temporary))
        .and_then(|()| fs::rename(&temporary, target));
    written.map_err(|e| {
        let _ = fs::remove_file(&temporary);
        Diagnostic::io(target, "replace the file", &e)
    })
}

/// Removes what `output` holds that the new build did not write, deepest
/// first so that folders are empty when their turn comes.
fn remove_unwanted(output: &Path, wanted: &BTreeSet<PathBuf>) -> Result<(), Diagnostic> {
    let entries = walkdir::WalkDir::new(output)
        .min_depth(1)
        .contents_first(true);
    for entry in entries {
        let entry =
            entry.map_err(|e| Diagnostic::io(output, "read the output folder", &e.into()))?;
        let rel = entry.path().strip_prefix(output).unwrap_or(entry.path());
        if wanted.contains(rel) || rel == Path::new(MARKER_FILE) {
            continue;
        }
        let removed = if entry.file_type().is_dir() {
            fs::remove_dir(entry.path())
        } else {
            fs::remove_file(entry.path())
        };
        removed
            .map_err(|e| Diagnostic::io(entry.path(), "remove a file of the previous build", &e))?;
    }
    Ok(())
}

/// Run before each build (including one that finds nothing changed): puts an
/// output folder back if a killed build left none, then removes what killed
/// builds left beside it. Best effort: what cannot be moved or removed stays,
/// hidden, and the build goes on.
pub fn recover(output: &Path) {
    let Some((parent, name)) = output.parent().zip(output.file_name()) else {
        return;
    };
    let name = name.to_string_lossy();
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let mut dead: Vec<(u32, bool, PathBuf)> = entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|entry| {
            let (pid, is_new) = leftover(entry.file_name().to_str()?, &name)?;
            (!is_running(pid)).then(|| (pid, is_new, entry.path()))
        })
        .collect();
    if !output.exists() {
        restore(output, &mut dead);
    }
    for (_, _, path) in dead {
        let _ = fs::remove_dir_all(path);
    }
}

/// Puts back the output folder of a build killed between its two renames:
/// its new output if that was complete (the marker is written last), else the
/// previous output it had set aside. Whatever is moved is dropped from `dead`.
fn restore(output: &Path, dead: &mut Vec<(u32, bool, PathBuf)>) {
    let complete = |path: &Path| path.join(MARKER_FILE).is_file();
    let killed_between_renames = dead
        .iter()
        .find(|(_, is_new, _)| !is_new)
        .map(|(pid, ..)| *pid);
    let Some(pid) = killed_between_renames else {
        return;
    };
    let new = dead
        .iter()
        .position(|(p, is_new, path)| *p == pid && *is_new && complete(path));
    let old = dead.iter().position(|(p, is_new, _)| *p == pid && !is_new);
    if let Some(index) = new.or(old) {
        if fs::rename(&dead[index].2, output).is_ok() {
            dead.remove(index);
        }
    }
}

/// The pid of the build that left `file_name` beside the output folder `name`
/// (`.output.knead-new-<pid>`, `.output.knead-old-<pid>`), and whether it is a
/// staging folder.
pub fn leftover(file_name: &str, name: &str) -> Option<(u32, bool)> {
    let rest = file_name.strip_prefix('.')?.strip_prefix(name)?;
    let (pid, is_new) = match rest.strip_prefix(NEW) {
        Some(pid) => (pid, true),
        None => (rest.strip_prefix(OLD)?, false),
    };
    let all_digits = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    all_digits.then(|| pid.parse().ok().map(|pid| (pid, is_new)))?
}

/// Whether process `pid` may still be writing beside the output. Only Linux
/// says cheaply (`/proc`); elsewhere, or without /proc mounted, every process
/// counts as running, so its leftovers stay. A zombie (killed, not yet
/// reaped by its parent) has a /proc entry but writes nothing any more.
fn is_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc_dir = Path::new("/proc");
    if !cfg!(target_os = "linux") || !proc_dir.join("self").exists() {
        return true;
    }
    let Ok(stat) = fs::read_to_string(proc_dir.join(pid.to_string()).join("stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may
    // itself hold ") ".
    let state = stat
        .rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next());
    !matches!(state, Some('Z' | 'X'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftover_folders_are_recognised_by_name_and_pid() {
        assert_eq!(leftover(".output.knead-new-42", "output"), Some((42, true)));
        assert_eq!(leftover(".output.knead-old-7", "output"), Some((7, false)));
        assert_eq!(leftover(".public.knead-new-42", "output"), None);
        assert_eq!(leftover(".output.knead-new-", "output"), None);
        assert_eq!(leftover(".output.knead-new-4x", "output"), None);
        assert_eq!(leftover(".output.knead-new-+4", "output"), None);
        assert_eq!(leftover("output.knead-new-42", "output"), None);
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    /// The fallback for an output folder that is a mount point: the folder
    /// stays (same inode), its files become the new build's, stale ones go.
    #[cfg(unix)]
    #[test]
    fn update_in_place_makes_the_folder_the_new_build_and_keeps_its_inode() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let (output, staging) = (dir.path().join("out"), dir.path().join(".out.knead-new-1"));
        write(&output.join(MARKER_FILE), "marker\nstamp: old 1 0 0\n");
        write(&output.join("a/index.html"), "old a");
        write(&output.join("gone/index.html"), "stale");
        write(&output.join("b"), "a file where a folder goes");
        write(&staging.join(MARKER_FILE), "marker\nstamp: new 2 0 0\n");
        write(&staging.join("a/index.html"), "new a");
        write(&staging.join("b/index.html"), "new b");
        let inode = fs::metadata(&output).expect("meta").ino();
        update_in_place(&staging, &output).expect("updated");
        assert_eq!(fs::metadata(&output).expect("meta").ino(), inode);
        let read = |rel: &str| fs::read_to_string(output.join(rel)).expect(rel);
        assert_eq!(read("a/index.html"), "new a");
        assert_eq!(read("b/index.html"), "new b");
        assert_eq!(read(MARKER_FILE), "marker\nstamp: new 2 0 0\n");
        assert!(!output.join("gone").exists());
        assert!(!staging.exists());
        let names: Vec<_> = walkdir::WalkDir::new(&output)
            .into_iter()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains(".knead-") && name != MARKER_FILE)
            .collect();
        assert!(names.is_empty(), "temporaries left: {names:?}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_zombie_process_is_not_running() {
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        let pid = child.id();
        // Not reaped yet: a zombie once it exits.
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(!is_running(pid), "zombie {pid} counted as running");
        child.wait().expect("reap");
        assert!(is_running(1));
    }
}
