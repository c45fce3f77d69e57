//! Outputs that cannot hurt (issue 13): links, devices and the input file as outputs,
//! a full disk on standard output, a link planted at a temporary name, `sim report` all
//! or nothing after an error and under a kill loop, and interrupts (exit 130 and 143, no
//! partial or temporary file). Timing is only bounded generously ("promptly": < 10 s).

use std::collections::BTreeMap;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{repository_file, scratch, sim};

const SCENARIO: &str = "tests/reference/v1-single.json";

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every file under `root` with its bytes (relative paths).
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    crate::common::files_under(root)
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(root.join(&path)).unwrap();
            (path, bytes)
        })
        .collect()
}

/// Names in `directory` other than `keep`: temporary files, staging folders.
fn others(directory: &Path, keep: &[&str]) -> Vec<String> {
    std::fs::read_dir(directory)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !keep.contains(&name.as_str()))
        .collect()
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the sim binary runs")
}

fn signal(child: &Child, signal: i32) {
    // SAFETY: sends a signal to our own child, which has not been waited for yet.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    assert_eq!(sent, 0);
}

#[test]
fn links_devices_and_inputs_are_refused_and_left_alone() {
    let directory = scratch("hostile-targets");
    let victim = directory.join("victim.json");
    std::fs::write(&victim, b"precious").unwrap();
    let link = directory.join("link.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let input = directory.join("input.json");
    std::fs::copy(repository_file(SCENARIO), &input).unwrap();
    let hard_link = directory.join("same-inode.json");
    std::fs::hard_link(&input, &hard_link).unwrap();
    let input_bytes = std::fs::read(&input).unwrap();
    let input_path = input.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["run", input_path, "--output", link.to_str().unwrap()],
            "symbolic link",
        ),
        (
            vec!["run", input_path, "--output", "/dev/null"],
            "character device",
        ),
        (
            vec!["run", input_path, "--output", "/dev/stdout"],
            "symbolic link",
        ),
        (
            vec!["run", input_path, "--output", input_path],
            "input file",
        ),
        (
            vec!["run", input_path, "--output", hard_link.to_str().unwrap()],
            "input file",
        ),
        (
            vec!["run", input_path, "--output", directory.to_str().unwrap()],
            "directory",
        ),
        (
            vec![
                "trace",
                input_path,
                "--trial",
                "1",
                "--svg",
                link.to_str().unwrap(),
            ],
            "symbolic link",
        ),
        (
            vec!["check", input_path, "--junit", "/dev/null"],
            "character device",
        ),
    ];
    for (args, reason) in cases {
        let mut args = args;
        args.extend(["--trials", "100", "-q"]);
        let output = sim(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(reason),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&input).unwrap(), input_bytes);
    let null = std::fs::symlink_metadata("/dev/null").unwrap();
    assert!(null.file_type().is_char_device(), "/dev/null was replaced");
    assert_eq!(
        others(
            &directory,
            &["victim.json", "link.json", "input.json", "same-inode.json"]
        ),
        Vec::<String>::new()
    );
    // `-` is standard output.
    let output = sim(&["run", SCENARIO, "--trials", "100", "-q", "--output", "-"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("\"availability\""));
    std::fs::remove_dir_all(&directory).unwrap();
}

/// `> /dev/full`: the write fails with ENOSPC, and sim says so and exits 1 instead of 0
/// with the output cut; a closed pipe (`| head`) ends quietly, without a panic.
#[test]
fn a_full_disk_on_standard_output_fails_and_a_closed_pipe_is_quiet() {
    for args in [
        vec!["run", SCENARIO, "--trials", "100", "-q", "--format", "json"],
        vec!["run", SCENARIO, "--trials", "100", "-q", "--output", "-"],
        vec!["validate", SCENARIO],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_sim"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("standard output"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(["run", SCENARIO, "--trials", "300", "-q", "--format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
}

/// The old scheme named the temporary file `.NAME.tmp-PID` and followed a link planted
/// there. The process is started stopped so that its PID is known, a link to a victim is
/// planted at that name, and the run goes on: the victim keeps its bytes, the link stays.
#[test]
fn a_link_planted_at_the_old_temporary_name_is_not_followed() {
    let directory = scratch("planted-temporary");
    let target = directory.join("out.json");
    let victim = directory.join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let mut child = Command::new("sh")
        .args([
            "-c",
            "kill -STOP $$; exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_sim"),
            "run",
            SCENARIO,
            "--trials",
            "200",
            "-q",
            "--output",
            target.to_str().unwrap(),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let started = Instant::now();
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let state = stat.rsplit(')').next().unwrap().trim_start().chars().next();
        if state == Some('T') {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "sh did not stop"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let planted = directory.join(format!(".out.json.tmp-{pid}"));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    signal(&child, libc::SIGCONT);
    assert!(child.wait().unwrap().success());
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(std::fs::symlink_metadata(&planted)
        .unwrap()
        .file_type()
        .is_symlink());
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(report["trials"], 200);
    let mut left = others(&directory, &["out.json", "victim"]);
    left.retain(|name| name != &format!(".out.json.tmp-{pid}"));
    assert!(left.is_empty(), "left behind: {left:?}");
    std::fs::remove_dir_all(&directory).unwrap();
}

fn report_args<'a>(seed: &'a str, two: bool, directory: &'a str) -> Vec<&'a str> {
    let mut args = vec!["report", SCENARIO];
    if two {
        args.push("tests/reference/v2-pair.json");
    }
    args.extend(["--trials", "400", "--seed", seed, "-q", "-o", directory]);
    args
}

/// A report that cannot be written whole changes nothing: a file where a scenario's folder
/// belongs, a foreign file in the folder, a folder that cannot be created.
#[test]
fn a_failed_report_leaves_the_folder_as_it_was() {
    let parent = scratch("report-errors");
    let directory = parent.join("report");
    let path = directory.to_str().unwrap();
    assert!(sim(&report_args("1", false, path)).status.success());
    let before = snapshot(&directory);
    // A regular file where the second scenario's folder belongs.
    std::fs::write(directory.join("v2-pair"), b"a file in the way").unwrap();
    let output = sim(&report_args("2", true, path));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("v2-pair"), "{}", stderr(&output));
    std::fs::remove_file(directory.join("v2-pair")).unwrap();
    assert_eq!(snapshot(&directory), before);
    // A foreign file in a scenario's folder, and a folder where a chart belongs.
    for foreign in ["v1-single/notes.txt", "v1-single/extra.svg/"] {
        let at = directory.join(foreign);
        if foreign.ends_with('/') {
            std::fs::create_dir(&at).unwrap();
        } else {
            std::fs::write(&at, b"mine").unwrap();
        }
        let output = sim(&report_args("2", true, path));
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(
            stderr(&output).contains(foreign.trim_end_matches('/')),
            "{}",
            stderr(&output)
        );
        let _ = std::fs::remove_file(&at);
        let _ = std::fs::remove_dir(&at);
        assert_eq!(snapshot(&directory), before);
    }
    // The current folder cannot be swapped; a link is not followed.
    let link = parent.join("link");
    std::os::unix::fs::symlink(&directory, &link).unwrap();
    for target in [".", link.to_str().unwrap()] {
        let output = sim(&report_args("2", true, target));
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    }
    // A folder that cannot be written: exit 1, nothing created.
    let output = sim(&report_args("2", true, "/proc/sim-report"));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(snapshot(&directory), before);
    assert_eq!(others(&parent, &["report", "link"]), Vec::<String>::new());
    std::fs::remove_dir_all(&parent).unwrap();
}

/// SIGKILL at varied moments of `sim report`, alternating between two different reports
/// (one scenario with seed 1, two with seed 2): after every kill the folder is one of the
/// two complete reports, never a mix; the next run clears whatever staging was left.
#[test]
fn a_killed_report_is_the_whole_old_or_the_whole_new() {
    let parent = scratch("report-kills");
    let directory = parent.join("report");
    let path = directory.to_str().unwrap();
    let started = Instant::now();
    assert!(sim(&report_args("2", true, path)).status.success());
    let duration = started.elapsed();
    let b = snapshot(&directory);
    assert!(sim(&report_args("1", false, path)).status.success());
    let a = snapshot(&directory);
    assert_ne!(a.keys().count(), b.keys().count());
    let (mut old, mut new, mut completed) = (0, 0, 0);
    let kills = 30;
    for round in 0..kills {
        let to_b = round % 2 == 0;
        let mut child = spawn(&report_args(if to_b { "2" } else { "1" }, to_b, path));
        // Spread over the whole run and a little past it.
        std::thread::sleep(duration.mul_f64(1.3 * f64::from(round) / f64::from(kills)));
        signal(&child, libc::SIGKILL);
        let status = child.wait().unwrap();
        let now = snapshot(&directory);
        assert!(
            now == a || now == b,
            "round {round}: a mix of old and new files"
        );
        let expected = if to_b { &b } else { &a };
        if status.success() {
            completed += 1;
        } else if &now == expected {
            new += 1;
        } else {
            old += 1;
        }
    }
    eprintln!(
        "{kills} kills: {old} left the old report, {new} the new one, {completed} finished first"
    );
    assert!(sim(&report_args("2", true, path)).status.success());
    assert_eq!(snapshot(&directory), b);
    assert_eq!(others(&parent, &["report"]), Vec::<String>::new());
    std::fs::remove_dir_all(&parent).unwrap();
}

/// SIGKILL at varied moments of `sim run --output`: the file is the old one or the whole
/// new report, never cut. (A temporary file may remain after SIGKILL; its name says so.)
#[test]
fn a_killed_run_leaves_the_old_or_the_whole_new_output() {
    let directory = scratch("run-kills");
    let out = directory.join("out.json");
    let path = out.to_str().unwrap();
    let args = ["run", SCENARIO, "--trials", "3000", "-q", "--output", path];
    let started = Instant::now();
    assert!(sim(&args).status.success());
    let duration = started.elapsed();
    let new = std::fs::read(&out).unwrap();
    let (mut old, mut replaced, mut temporaries) = (0, 0, 0);
    let kills = 20;
    for round in 0..kills {
        std::fs::write(&out, b"old").unwrap();
        let mut child = spawn(&args);
        std::thread::sleep(duration.mul_f64(1.3 * f64::from(round) / f64::from(kills)));
        signal(&child, libc::SIGKILL);
        child.wait().unwrap();
        let now = std::fs::read(&out).unwrap();
        assert!(now == b"old" || now == new, "round {round}: a cut file");
        if now == new {
            replaced += 1;
        } else {
            old += 1;
        }
        for name in others(&directory, &["out.json"]) {
            assert!(
                name.starts_with(".out.json.") && name.ends_with(".sim-tmp"),
                "{name}"
            );
            temporaries += 1;
            std::fs::remove_file(directory.join(name)).unwrap();
        }
    }
    eprintln!(
        "{kills} kills of run --output: {old} old, {replaced} new, {temporaries} temporary files"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

/// SIGINT and SIGTERM during run, sweep, check and report: exit 130 or 143 promptly, the
/// existing output intact, no temporary file or staging folder.
#[test]
fn interrupts_exit_130_or_143_and_leave_no_partial_file() {
    let directory = scratch("interrupts");
    let report = directory.join("report");
    assert!(sim(&report_args("1", false, report.to_str().unwrap()))
        .status
        .success());
    let before = snapshot(&report);
    let out = directory.join("out.json");
    std::fs::write(&out, b"old").unwrap();
    let out = out.to_str().unwrap();
    let xml = directory.join("check.xml");
    let xml = xml.to_str().unwrap();
    let long = "100000000";
    let commands: Vec<(Vec<&str>, i32)> = vec![
        (
            vec!["run", SCENARIO, "--trials", long, "--output", out],
            libc::SIGINT,
        ),
        (
            vec!["run", SCENARIO, "--trials", long, "--output", out],
            libc::SIGTERM,
        ),
        (
            vec![
                "sweep",
                SCENARIO,
                "--set",
                "components.server.failures[0].ttr=10h,20h",
                "--trials",
                long,
                "--output",
                out,
            ],
            libc::SIGINT,
        ),
        (
            vec![
                "check",
                SCENARIO,
                "--baseline",
                "tests/reference/v2-pair.json",
                "--trials",
                long,
                "--junit",
                xml,
            ],
            libc::SIGTERM,
        ),
        (
            vec![
                "report",
                SCENARIO,
                "--trials",
                long,
                "-o",
                report.to_str().unwrap(),
            ],
            libc::SIGINT,
        ),
    ];
    let children: Vec<(Child, i32, String)> = commands
        .iter()
        .map(|(args, sig)| {
            let mut args = args.clone();
            // Long on purpose: past the event budget, which would refuse them at once.
            args.extend(["-q", "--max-events", "0"]);
            (spawn(&args), *sig, args.join(" "))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let mut latencies = Vec::new();
    for (mut child, sig, shown) in children {
        let sent = Instant::now();
        signal(&child, sig);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(
                sent.elapsed() < Duration::from_secs(10),
                "{shown}: still running 10 s after the signal"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        latencies.push(sent.elapsed());
        let mut message = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut message).unwrap();
        assert_eq!(status.code(), Some(128 + sig), "{shown}: {message}");
        assert!(message.contains("interrupted"), "{shown}: {message}");
    }
    eprintln!("exit after the signal: {latencies:?}");
    assert_eq!(std::fs::read(out).unwrap(), b"old");
    assert_eq!(snapshot(&report), before);
    assert_eq!(
        others(&directory, &["out.json", "report"]),
        Vec::<String>::new()
    );
    std::fs::remove_dir_all(&directory).unwrap();
}
