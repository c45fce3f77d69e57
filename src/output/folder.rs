//! `sim report`'s folder, replaced whole: either the complete old report or the complete
//! new one is there, whatever fails and even after SIGKILL.
//!
//! The new report is written into a staging folder beside the target,
//! `.NAME.sim-new-PID-RANDOM`, then swapped with the target in one step
//! (`renameat2(RENAME_EXCHANGE)`, Linux; ext4, xfs, btrfs and tmpfs support it), and the old
//! report, now under the staging name, is removed. Where the exchange is not supported the
//! swap is two renames: target to `.NAME.sim-old-PID-RANDOM`, staging to target; a kill
//! between the two leaves no target but the whole old report under the backup name, and
//! the next `sim report` with that target puts it back before anything else (`recover`).
//! Leftover staging and backup folders of processes that no longer run are removed then
//! too.
//!
//! Because the folder is replaced whole, it must hold nothing but a report: `check_folder`
//! refuses (exit 2, before any simulation) a folder with other files in it, a link, a
//! file where the folder belongs, `.` or `/`, and a folder that holds an input.

use std::path::{Component, Path, PathBuf};

use super::{commit, lock, parent_of, remove_any, sync_folder, write_new, WriteError, PENDING};

const STAGING: &str = "sim-new";
const BACKUP: &str = "sim-old";

/// The first thing under the top-level entry `entry` that `sim report` does not write:
/// it writes `index.html`, `summary.md`, SVG charts, and one folder of SVG charts per
/// scenario. (A new kind of file in reports must be added here, or reports written by
/// this version will be refused as foreign.)
fn foreign(entry: &Path, name: &str, is_dir: bool) -> Option<PathBuf> {
    if !is_dir {
        let ours = name == "index.html" || name == "summary.md" || name.ends_with(".svg");
        return (!ours).then(|| entry.to_path_buf());
    }
    // Staging folders of older versions, which staged inside the report.
    if name.starts_with(".sim-report-") {
        return None;
    }
    let Ok(entries) = std::fs::read_dir(entry) else {
        return Some(entry.to_path_buf());
    };
    entries.flatten().map(|inner| inner.path()).find(|inner| {
        let is_file = std::fs::symlink_metadata(inner).is_ok_and(|m| m.is_file());
        !is_file || inner.extension().is_none_or(|e| e != "svg")
    })
}

/// Whether `sim report` may replace the folder at `directory` with a new report (the
/// refusal names the path at fault). `inputs` are the scenario files.
pub fn check_folder(directory: &Path, inputs: &[PathBuf]) -> Result<(), String> {
    let shown = directory.display();
    let Some(name) = directory.file_name() else {
        return Err(format!(
            "{shown}: sim report replaces its folder whole, so it must be a folder by name, such as `-o reports`"
        ));
    };
    if name == "-" {
        return Err("-o -: a report is a folder of files, not standard output".to_string());
    }
    let meta = match std::fs::symlink_metadata(directory) {
        Ok(meta) => meta,
        Err(_) => return Ok(()),
    };
    if meta.file_type().is_symlink() {
        return Err(format!(
            "{shown} is a symbolic link: sim report replaces the folder itself, so give the folder's own path"
        ));
    }
    if !meta.is_dir() {
        return Err(format!(
            "{shown} exists and is not a folder: sim report writes a folder there"
        ));
    }
    let canonical = std::fs::canonicalize(directory).map_err(|e| format!("{shown}: {e}"))?;
    if let Some(input) = inputs
        .iter()
        .find(|input| std::fs::canonicalize(input).is_ok_and(|input| input.starts_with(&canonical)))
    {
        return Err(format!(
            "{shown} holds the input file {}: the report replaces the folder whole",
            input.display()
        ));
    }
    let entries = std::fs::read_dir(directory).map_err(|e| format!("{shown}: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{shown}: {e}"))?;
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let entry_name = entry.file_name().to_string_lossy().into_owned();
        if let Some(path) = foreign(&entry.path(), &entry_name, is_dir) {
            return Err(format!(
                "{}: sim report replaces {shown} whole, and this was not written by sim report; move it away or choose another folder",
                path.display()
            ));
        }
    }
    Ok(())
}

/// A sibling of `directory` named `.NAME.TAG-PID-RANDOM`.
fn sibling(directory: &Path, name: &str, tag: &str) -> PathBuf {
    parent_of(directory).join(format!(
        ".{name}.{tag}-{}-{:016x}",
        std::process::id(),
        rand::random::<u64>()
    ))
}

/// Whether process `pid` runs (or may: reused numbers count as running).
fn running(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
    let found = unsafe { libc::kill(pid, 0) } == 0;
    found || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Puts back an old report left under a backup name by a swap that was cut between its two
/// renames, and removes leftover staging and backup folders of processes that are gone.
fn recover(directory: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent_of(directory)) else {
        return;
    };
    let mut leftovers: Vec<(PathBuf, bool)> = Vec::new();
    for entry in entries.flatten() {
        let entry_name = entry.file_name().to_string_lossy().into_owned();
        for (tag, is_backup) in [(STAGING, false), (BACKUP, true)] {
            let Some(rest) = entry_name.strip_prefix(&format!(".{name}.{tag}-")) else {
                continue;
            };
            let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|pid| pid != std::process::id() && !running(pid)) {
                leftovers.push((entry.path(), is_backup));
            }
        }
    }
    for (path, is_backup) in leftovers {
        if is_backup && std::fs::symlink_metadata(directory).is_err() {
            let _ = std::fs::rename(&path, directory);
        } else {
            remove_any(&path);
        }
    }
}

/// Swaps the folders at `a` and `b` in one step.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths; renameat2 reads them and nothing else.
    let result = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
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
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from_raw_os_error(libc::ENOSYS))
}

/// Puts `staging` at `directory`; returns where the old report now is, if there was one.
fn swap(staging: &Path, directory: &Path, name: &str) -> std::io::Result<Option<PathBuf>> {
    if std::fs::symlink_metadata(directory).is_err() {
        std::fs::rename(staging, directory)?;
        return Ok(None);
    }
    match exchange(staging, directory) {
        Ok(()) => return Ok(Some(staging.to_path_buf())),
        Err(e)
            if ![libc::EINVAL, libc::ENOSYS, libc::EOPNOTSUPP, libc::ENOTSUP]
                .contains(&e.raw_os_error().unwrap_or(0)) =>
        {
            return Err(e)
        }
        Err(_) => {}
    }
    let backup = sibling(directory, name, BACKUP);
    std::fs::rename(directory, &backup)?;
    if let Err(error) = std::fs::rename(staging, directory) {
        let _ = std::fs::rename(&backup, directory);
        return Err(error);
    }
    Ok(Some(backup))
}

fn at(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |e| {
        WriteError::Io(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        ))
    }
}

/// Replaces the folder `directory` with one holding exactly `files` (paths relative to
/// it), all or nothing (see the module's documentation).
pub fn replace_folder(directory: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<(), WriteError> {
    check_folder(directory, &[]).map_err(WriteError::Refused)?;
    let name = directory
        .file_name()
        .expect("checked: a folder by name")
        .to_string_lossy()
        .into_owned();
    let parent = parent_of(directory);
    std::fs::create_dir_all(parent).map_err(at(parent))?;
    recover(directory, &name);
    let staging = sibling(directory, &name, STAGING);
    {
        let mut pending = lock(&PENDING);
        std::fs::create_dir(&staging).map_err(at(parent_of(directory)))?;
        pending.push(staging.clone());
    }
    let written = (|| {
        let mut folders = vec![staging.clone()];
        for (relative, bytes) in files {
            let target = directory.join(relative);
            if !relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
            {
                let e = std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a plain path");
                return Err(at(&target)(e));
            }
            let path = staging.join(relative);
            let folder = path.parent().unwrap_or(&staging).to_path_buf();
            if !folders.contains(&folder) {
                std::fs::create_dir_all(&folder).map_err(at(&target))?;
                folders.push(folder);
            }
            write_new(&path, bytes).map_err(at(&target))?;
        }
        for folder in &folders {
            sync_folder(folder);
        }
        // Checked again just before the swap: nothing foreign may have appeared meanwhile.
        check_folder(directory, &[]).map_err(WriteError::Refused)
    })();
    if let Err(error) = written {
        let mut pending = lock(&PENDING);
        remove_any(&staging);
        pending.retain(|p| p != &staging);
        return Err(error);
    }
    let mut old = None;
    commit(&staging, || {
        old = swap(&staging, directory, &name)?;
        Ok(())
    })
    .map_err(|e| match e {
        WriteError::Io(e) => at(directory)(e),
        other => other,
    })?;
    sync_folder(parent_of(directory));
    if let Some(old) = old {
        // Registered, so that an interrupt finishes removing it; if SIGKILL cuts this short,
        // `recover` does on the next report.
        lock(&PENDING).push(old.clone());
        let _ = std::fs::remove_dir_all(&old);
        lock(&PENDING).retain(|p| p != &old);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A swap cut between its two renames (no exchange) left no target and the old report
    /// under a backup name: the next report puts it back first. A dead process's staging
    /// folder is removed; a running one's is left alone.
    #[test]
    fn recovers_a_backup_and_removes_dead_staging() {
        let parent = std::env::temp_dir().join(format!("sim-folder-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&parent);
        std::fs::create_dir_all(&parent).unwrap();
        let directory = parent.join("report");
        let dead = u32::try_from(libc::pid_t::MAX).unwrap();
        let backup = parent.join(format!(".report.{BACKUP}-{dead}-0"));
        std::fs::create_dir(&backup).unwrap();
        std::fs::write(backup.join("index.html"), b"old").unwrap();
        let staging = parent.join(format!(".report.{STAGING}-{dead}-1"));
        std::fs::create_dir(&staging).unwrap();
        let alive = parent.join(format!(".report.{STAGING}-1-2"));
        std::fs::create_dir(&alive).unwrap();
        recover(&directory, "report");
        assert_eq!(std::fs::read(directory.join("index.html")).unwrap(), b"old");
        assert!(!backup.exists() && !staging.exists() && alive.exists());
        replace_folder(&directory, &[("index.html".into(), b"new".to_vec())]).unwrap();
        assert_eq!(std::fs::read(directory.join("index.html")).unwrap(), b"new");
        let left: Vec<_> = std::fs::read_dir(&parent).unwrap().flatten().collect();
        assert_eq!(left.len(), 2, "{left:?}");
        std::fs::remove_dir_all(&parent).unwrap();
    }
}
