//! The one place that writes files (`--output`, `--junit`, `--svg`, shard parts, report
//! folders through `folder.rs`). A reader never sees half a file, and a write never harms
//! what is already at the path:
//!
//! - **What may be replaced.** Only a regular file, or nothing. A symbolic link is refused
//!   (it is not followed, and not replaced: writing through it could replace a file
//!   anywhere, and replacing it would surprise whoever made it); so is a device, fifo,
//!   socket or directory (`/dev/null`, `/dev/stdout`). A path that is one of the run's
//!   input files (same device and inode, hard links included) is refused. `-` means
//!   standard output. Refusals are `WriteError::Refused` (exit 2), checked before the run
//!   starts and again at the write.
//! - **How.** The bytes go to a new file in the target's folder whose name ends in a random
//!   64-bit suffix, created with `O_EXCL` and `O_NOFOLLOW` (a file or link planted at that
//!   name is never opened: another name is drawn), with the umask's default mode or the
//!   replaced file's mode; they are synced, then the file is renamed over the target (a
//!   rename replaces the link or file at the target itself, never a link's target) and
//!   the folder synced. On any error the temporary file is removed.
//! - **Interrupts.** Every temporary file and staging folder is registered while it
//!   exists; the rename happens under the registry's lock after checking
//!   `interrupt::interrupted()`, and `abandon` (the signal handler's way out) takes the
//!   lock, removes whatever is registered and never gives the lock back. So an interrupted
//!   process leaves either the old file or the whole new one, and no temporary file. Only
//!   SIGKILL or a crash can leave a temporary file (`.NAME.XXXXXXXXXXXXXXXX.sim-tmp`), never
//!   a partial target.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

mod folder;

pub use folder::{check_folder, replace_folder};

/// Why a write did not happen.
#[derive(Debug)]
pub enum WriteError {
    /// The path is not something `sim` may replace (the reason, naming the path): bad input.
    Refused(String),
    /// The file system said no.
    Io(std::io::Error),
    /// A signal arrived; nothing was written.
    Interrupted,
}

impl From<std::io::Error> for WriteError {
    fn from(error: std::io::Error) -> Self {
        WriteError::Io(error)
    }
}

/// Device and inode of each input file of the run, with its path as given.
static INPUTS: Mutex<Vec<(u64, u64, PathBuf)>> = Mutex::new(Vec::new());

/// Temporary files and staging folders that exist right now; the lock is also held over
/// every rename so that `abandon` never races one.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Remembers the run's input files (scenarios, baselines, parts, histories): no output may
/// replace them. Missing files are skipped (reading them fails with its own message).
pub fn protect_inputs(paths: &[PathBuf]) {
    let mut inputs = lock(&INPUTS);
    for path in paths {
        if let Ok(meta) = std::fs::metadata(path) {
            inputs.push((meta.dev(), meta.ino(), path.clone()));
        }
    }
}

/// The input file that `meta` is, if any.
fn input_at(meta: &std::fs::Metadata) -> Option<PathBuf> {
    lock(&INPUTS)
        .iter()
        .find(|(dev, ino, _)| *dev == meta.dev() && *ino == meta.ino())
        .map(|(_, _, path)| path.clone())
}

/// Whether `path` means standard output.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// What kind of thing a non-regular file is, for a message.
fn kind(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_fifo() {
        "a named pipe"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Whether `sim` may write a file at `path`: nothing there, or a regular file that is not
/// an input. Returns the refusal, naming the path.
pub fn check_target(path: &Path) -> Result<Option<std::fs::Metadata>, String> {
    if is_stdout(path) {
        return Ok(None);
    }
    let shown = path.display();
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(_) => return Ok(None),
    };
    let stdout_hint = if path.starts_with("/dev") || path.starts_with("/proc") {
        "; for standard output give `-`"
    } else {
        ""
    };
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path)
            .map(|t| format!(" (to {})", t.display()))
            .unwrap_or_default();
        return Err(format!(
            "{shown} is a symbolic link{target}: sim neither writes through a link nor replaces it; give the file's own path{stdout_hint}"
        ));
    }
    if !meta.file_type().is_file() {
        return Err(format!(
            "{shown} is {}: sim only writes regular files{stdout_hint}",
            kind(meta.file_type())
        ));
    }
    if let Some(input) = input_at(&meta) {
        return Err(format!(
            "{shown} is the input file {}: the output would replace it",
            input.display()
        ));
    }
    Ok(Some(meta))
}

/// Random suffixes for temporary names: 64 bits from the operating system's generator, so
/// a name cannot be guessed in advance and planted.
fn random_names(base: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::repeat_with(move || format!(".{base}.{:016x}.sim-tmp", rand::random::<u64>()))
}

/// The file name a temporary name starts from: the target's, cut to keep the name short.
fn base_name(path: &Path) -> std::io::Result<String> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file path"))?;
    Ok(name.to_string_lossy().chars().take(64).collect())
}

/// Creates a new file in `directory` at the first of `names` that is free, never opening
/// anything that is already there (`O_EXCL`, `O_NOFOLLOW`), and registers it.
fn create_temporary(
    directory: &Path,
    names: impl Iterator<Item = String>,
    mode: u32,
) -> std::io::Result<(PathBuf, File)> {
    let mut last = None;
    for name in names.take(32) {
        let path = directory.join(name);
        let mut pending = lock(&PENDING);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&path)
        {
            Ok(file) => {
                pending.push(path.clone());
                return Ok((path, file));
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => last = Some(error),
            Err(error) => return Err(error),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
}

/// Forgets a registered path (it was renamed into place or removed).
fn settle(path: &Path, pending: &mut Vec<PathBuf>) {
    pending.retain(|p| p != path);
}

/// Runs `rename` under the registry's lock unless a signal arrived first, then forgets
/// `temporary`. On any failure `temporary` is removed (file or folder).
fn commit(
    temporary: &Path,
    rename: impl FnOnce() -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let mut pending = lock(&PENDING);
    let result = if crate::interrupt::interrupted() {
        Err(WriteError::Interrupted)
    } else {
        rename().map_err(WriteError::Io)
    };
    if result.is_err() {
        remove_any(temporary);
    }
    settle(temporary, &mut pending);
    result
}

fn remove_any(path: &Path) {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        let _ = std::fs::remove_dir_all(path);
    } else {
        let _ = std::fs::remove_file(path);
    }
}

/// The folder `path` goes into (`.` for a bare name).
pub fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Syncs a folder so that a rename in it survives a power cut (best effort: not every file
/// system lets a folder be opened for syncing).
fn sync_folder(directory: &Path) {
    if let Ok(folder) = File::open(directory) {
        let _ = folder.sync_all();
    }
}

/// Writes `contents` to `path` atomically and safely (see the module's documentation).
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let existing = check_target(path).map_err(WriteError::Refused)?;
    let directory = parent_of(path);
    let base = base_name(path)?;
    // The replaced file's permissions (without set-id bits), else the umask's default (as
    // a shell redirect would).
    let keep = existing.map(|meta| meta.permissions().mode() & 0o777);
    let (temporary, mut file) =
        create_temporary(directory, random_names(&base), keep.unwrap_or(0o666))?;
    let written = (|| {
        file.write_all(contents)?;
        if let Some(mode) = keep {
            file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        file.sync_all()
    })();
    drop(file);
    if let Err(error) = written {
        let mut pending = lock(&PENDING);
        remove_any(&temporary);
        settle(&temporary, &mut pending);
        return Err(WriteError::Io(error));
    }
    // Checked again at the last moment: a link or device put there meanwhile is not replaced
    // (a rename would replace the link itself, never write through it, in any case).
    if let Err(reason) = check_target(path) {
        let mut pending = lock(&PENDING);
        remove_any(&temporary);
        settle(&temporary, &mut pending);
        return Err(WriteError::Refused(reason));
    }
    commit(&temporary, || std::fs::rename(&temporary, path))?;
    sync_folder(directory);
    Ok(())
}

/// Writes a new file inside a private staging folder (`folder.rs`): it must not exist.
fn write_new(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o666)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// The signal handler's way out: waits for a rename in progress, removes every registered
/// temporary file and staging folder and keeps the lock, so that no rename starts before
/// the process exits.
pub fn abandon() {
    let mut pending = lock(&PENDING);
    for path in pending.drain(..) {
        remove_any(&path);
    }
    std::mem::forget(pending);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let directory =
            std::env::temp_dir().join(format!("sim-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&directory);
        std::fs::create_dir_all(&directory).unwrap();
        directory
    }

    #[test]
    fn writes_whole_file_and_leaves_no_temporary() {
        let directory = scratch("whole");
        let target = directory.join("out.json");
        write_atomic(&target, b"first").unwrap();
        write_atomic(&target, b"second").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(&directory).unwrap().count(), 1);
        assert!(write_atomic(&directory.join("missing/out.json"), b"x").is_err());
        std::fs::remove_dir_all(&directory).unwrap();
    }

    /// A link planted at the first name drawn is skipped, not followed: its target keeps
    /// its bytes and the link stays a link.
    #[test]
    fn a_planted_link_at_a_temporary_name_is_never_opened() {
        let directory = scratch("planted");
        let victim = directory.join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        std::os::unix::fs::symlink(&victim, directory.join("planted")).unwrap();
        std::fs::write(directory.join("taken"), b"also precious").unwrap();
        let names = ["planted", "taken", "free"].map(String::from).into_iter();
        let (path, file) = create_temporary(&directory, names, 0o666).unwrap();
        drop(file);
        assert_eq!(path, directory.join("free"));
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert_eq!(
            std::fs::read(directory.join("taken")).unwrap(),
            b"also precious"
        );
        assert!(std::fs::symlink_metadata(directory.join("planted"))
            .unwrap()
            .file_type()
            .is_symlink());
        settle(&path, &mut lock(&PENDING));
        std::fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn keeps_the_replaced_files_mode() {
        let directory = scratch("mode");
        let target = directory.join("out.json");
        std::fs::write(&target, b"old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic(&target, b"new").unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn refuses_links_devices_and_folders() {
        let directory = scratch("refuse");
        std::os::unix::fs::symlink("/etc/hostname", directory.join("link")).unwrap();
        for path in [
            directory.join("link"),
            "/dev/null".into(),
            directory.clone(),
        ] {
            assert!(
                matches!(write_atomic(&path, b"x"), Err(WriteError::Refused(_))),
                "{}",
                path.display()
            );
        }
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
