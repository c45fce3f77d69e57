//! A deterministic mutation fuzzer for `sim` on stable Rust (docs/fuzzing.md):
//!
//! ```text
//! cargo run --release --example fuzz -- --target scenario|cli|part|all --inputs N --seed S
//!     [--from I] [--jobs J] [--timeout SECS] [--memory MB] [--corpus DIR]... [--save DIR] [--replay FILE]
//! ```
//!
//! A supervisor runs the inputs in worker processes (this same program with `--worker`),
//! which announce each input's number before running it. A worker that dies (a stack
//! overflow aborts the process; `catch_unwind` cannot catch it) or says nothing for
//! `--timeout` seconds is a finding: the supervisor rebuilds that input from its number,
//! saves it, and starts a worker after it. Panics are caught in the worker and saved there,
//! minimized when that is cheap.

mod campaign;
mod mutate;
mod targets;

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use campaign::{Corpus, Input, Tally, Target};
use targets::Outcome;

struct Options {
    targets: Vec<Target>,
    inputs: u64,
    from: u64,
    seed: u64,
    jobs: u64,
    timeout: u64,
    memory: u64,
    corpus: Vec<PathBuf>,
    save: PathBuf,
    replay: Vec<PathBuf>,
    worker: bool,
}

const USAGE: &str = "usage: fuzz [--target scenario|cli|part|all] [--inputs N] [--seed S] [--from I] [--jobs J] [--timeout SECS] [--memory MB] [--corpus DIR]... [--save DIR] [--replay FILE]...
  --inputs N   inputs per target; with --target all, N split 80/10/10 over scenario/cli/part
  --from I     first input number (ranges of one seed can run on several machines)
  --jobs J     worker processes (default 1)
  --timeout S  seconds one input may take before it is a \"slow\" finding (default 10)
  --memory MB  address-space limit of a worker (default 4096); beyond it is a finding
  --save DIR   where findings go (default tests/fuzz-regressions)
  --replay F   run saved inputs (their target is their folder's name) and exit";

fn parse_options() -> Result<Options, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut options = Options {
        targets: Target::ALL.to_vec(),
        inputs: 10_000,
        from: 0,
        seed: 1,
        jobs: 1,
        timeout: 10,
        memory: 4096,
        corpus: Vec::new(),
        save: root.join("tests/fuzz-regressions"),
        replay: Vec::new(),
        worker: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))
        };
        let number = |text: String| {
            text.parse::<u64>()
                .map_err(|_| format!("{arg}: not a number: {text}"))
        };
        match arg.as_str() {
            "--target" => {
                let name = value()?;
                options.targets = if name == "all" {
                    Target::ALL.to_vec()
                } else {
                    vec![Target::from_name(&name)
                        .ok_or_else(|| format!("unknown target {name}\n{USAGE}"))?]
                };
            }
            "--inputs" => options.inputs = number(value()?)?,
            "--from" => options.from = number(value()?)?,
            "--seed" => options.seed = number(value()?)?,
            "--jobs" => options.jobs = number(value()?)?.max(1),
            "--timeout" => options.timeout = number(value()?)?.max(1),
            "--memory" => options.memory = number(value()?)?.max(64),
            "--corpus" => options.corpus.push(PathBuf::from(value()?)),
            "--save" => options.save = PathBuf::from(value()?),
            "--replay" => options.replay.push(PathBuf::from(value()?)),
            "--worker" => options.worker = true,
            "--help" | "-h" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    Ok(options)
}

fn main() {
    let options = parse_options().unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    });
    targets::install_quiet_hook();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if options.worker {
        return worker(&options, &Corpus::load(&root, &options.corpus));
    }
    let started = Instant::now();
    let corpus = Corpus::load(&root, &options.corpus);
    eprintln!(
        "corpus: {} seed files, {} generated parts, {} subcommands ({:.1} s)",
        corpus.seeds.len(),
        corpus.runs.iter().map(|r| r.parts.len()).sum::<usize>(),
        corpus.subcommands.len(),
        started.elapsed().as_secs_f64()
    );
    if !options.replay.is_empty() {
        return replay(&options, &corpus);
    }
    let mut summary = Vec::new();
    for &target in &options.targets {
        let inputs = match (options.targets.len(), target) {
            (1, _) => options.inputs,
            (_, Target::Scenario) => options.inputs * 8 / 10,
            _ => options.inputs / 10,
        };
        let started = Instant::now();
        let tally = supervise(
            &options,
            &corpus,
            target,
            options.from,
            options.from + inputs,
        );
        let seconds = started.elapsed().as_secs_f64();
        summary.push(format!(
            "| {} | {} | {}..{} | {} | {} | {} | {} | {} | {:.0} | {:.0} |",
            target.name(),
            options.seed,
            options.from,
            options.from + inputs,
            tally.inputs,
            tally.rejected,
            tally.accepted,
            tally.refused,
            tally.findings,
            seconds,
            tally.inputs as f64 / seconds.max(1e-9)
        ));
    }
    println!("| target | seed | inputs (numbers) | run | rejected | accepted | refused (budget) | findings | seconds | inputs/s |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for line in summary {
        println!("{line}");
    }
}

/// Worker: runs inputs `from..to` of the one target, announcing each (`I n`) before it runs
/// and its outcome (`A`, `R`, `B` or `F path note`) after.
fn worker(options: &Options, corpus: &Corpus) {
    let target = options.targets[0];
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let profile = std::env::var_os("FUZZ_PROFILE").is_some();
    let mut slowest: Vec<(f64, u64, &str)> = Vec::new();
    for index in options.from..options.from + options.inputs {
        let _ = writeln!(out, "I {index}").and_then(|_| out.flush());
        let started = Instant::now();
        let input = corpus.input(target, options.seed, index);
        let outcome = corpus.run(target, &input);
        if profile {
            let kind = match outcome {
                Outcome::Accepted => "accepted",
                Outcome::Rejected => "rejected",
                _ => "other",
            };
            slowest.push((started.elapsed().as_secs_f64(), index, kind));
        }
        let line = match &outcome {
            Outcome::Rejected => "R".to_string(),
            Outcome::Accepted => "A".to_string(),
            Outcome::Refused => "B".to_string(),
            Outcome::Finding(note) => {
                let small = campaign::minimize(corpus, target, &input, note, 300);
                let note = format!("seed {} input {index}: {note}", options.seed);
                match campaign::save(&options.save, target, &small, &note) {
                    Ok(path) => format!("F {} {note}", path.display()),
                    Err(e) => format!("F (not saved: {e}) {note}"),
                }
            }
        };
        let _ = writeln!(out, "{line}").and_then(|_| out.flush());
    }
    if profile {
        for kind in ["accepted", "rejected", "other"] {
            let total: f64 = slowest.iter().filter(|s| s.2 == kind).map(|s| s.0).sum();
            eprintln!("{kind}: {total:.2} s");
        }
        slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (seconds, index, kind) in slowest.iter().take(10) {
            eprintln!("  input {index}: {seconds:.3} s {kind}");
        }
    }
}

/// Runs inputs `from..to` of `target` over `--jobs` worker processes, restarting a worker
/// after an input that killed it or hung.
fn supervise(options: &Options, corpus: &Corpus, target: Target, from: u64, to: u64) -> Tally {
    let jobs = options.jobs.min((to - from).max(1));
    let (sender, receiver) = mpsc::channel::<Tally>();
    let started = Instant::now();
    let done = std::sync::atomic::AtomicU64::new(0);
    let jobs_done = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| {
        for job in 0..jobs {
            let sender = sender.clone();
            let (done, jobs_done) = (&done, &jobs_done);
            let (a, b) = (
                from + (to - from) * job / jobs,
                from + (to - from) * (job + 1) / jobs,
            );
            scope.spawn(move || {
                let tally = supervise_range(options, corpus, target, a, b, done);
                sender.send(tally).expect("the supervisor waits");
                jobs_done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            });
        }
        drop(sender);
        let mut last = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(200));
            let finished = done.load(std::sync::atomic::Ordering::Relaxed);
            if last.elapsed() > Duration::from_secs(30) {
                let seconds = started.elapsed().as_secs_f64();
                eprintln!(
                    "{}: {finished}/{} inputs, {:.0}/s",
                    target.name(),
                    to - from,
                    finished as f64 / seconds
                );
                last = Instant::now();
            }
            if jobs_done.load(std::sync::atomic::Ordering::Relaxed) == jobs {
                break;
            }
        }
    });
    let mut total = Tally::default();
    for tally in receiver {
        total.inputs += tally.inputs;
        total.rejected += tally.rejected;
        total.accepted += tally.accepted;
        total.refused += tally.refused;
        total.findings += tally.findings;
    }
    total
}

fn supervise_range(
    options: &Options,
    corpus: &Corpus,
    target: Target,
    from: u64,
    to: u64,
    done: &std::sync::atomic::AtomicU64,
) -> Tally {
    let mut tally = Tally::default();
    let mut next = from;
    while next < to {
        // Under a memory limit (ulimit -v): an input that allocates without bound is a
        // finding, not a machine out of memory.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v {}; exec \"$0\" \"$@\"",
                options.memory * 1024
            ))
            .arg(std::env::current_exe().expect("this program"))
            .env("RUST_BACKTRACE", "0")
            .args(["--worker", "--target", target.name()])
            .args(["--seed", &options.seed.to_string()])
            .args([
                "--from",
                &next.to_string(),
                "--inputs",
                &(to - next).to_string(),
            ])
            .arg("--save")
            .arg(&options.save)
            .args(
                options
                    .corpus
                    .iter()
                    .flat_map(|c| [PathBuf::from("--corpus"), c.clone()]),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("a worker starts");
        // The worker's last words (a panic while panicking, an allocation failure, a stack
        // overflow) go into the finding's note.
        let stderr = child.stderr.take().expect("piped");
        let last_words = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let words = last_words.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                eprintln!("worker: {line}");
                if let Ok(mut last) = words.lock() {
                    *last = line;
                }
            }
        });
        let (lines, receiver) = mpsc::channel::<String>();
        let stdout = child.stdout.take().expect("piped");
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        // The input announced and not yet answered.
        let mut running: Option<u64> = None;
        // A worker builds its corpus first: allow for that before the first input.
        let mut patience = Duration::from_secs(options.timeout + 60);
        let failure = loop {
            match receiver.recv_timeout(patience) {
                Ok(line) => {
                    patience = Duration::from_secs(options.timeout);
                    if let Some(index) = line.strip_prefix("I ") {
                        running = index.parse().ok();
                        continue;
                    }
                    let outcome = match line.as_bytes().first() {
                        Some(b'A') => Outcome::Accepted,
                        Some(b'R') => Outcome::Rejected,
                        Some(b'B') => Outcome::Refused,
                        _ => {
                            eprintln!("finding: {}", &line[line.len().min(2)..]);
                            Outcome::Finding(line.clone())
                        }
                    };
                    tally.add(&outcome);
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    next = running.take().map_or(next, |i| i + 1);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Some(format!("slow: no answer within {} s", options.timeout));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = child.wait().expect("the worker is waited for");
                    break if status.success() {
                        None
                    } else {
                        std::thread::sleep(Duration::from_millis(100));
                        let words = last_words.lock().map(|w| w.clone()).unwrap_or_default();
                        Some(format!("crash: the worker died ({status}): {words}"))
                    };
                }
            }
        };
        let Some(failure) = failure else {
            if next < to {
                eprintln!("worker stopped at input {next} without a failure; restarting");
            }
            continue;
        };
        let Some(index) = running else {
            eprintln!("worker failed outside an input ({failure}); stopping this range at {next}");
            break;
        };
        let input = corpus.input(target, options.seed, index);
        let note = format!("seed {} input {index}: {failure}", options.seed);
        match campaign::save(&options.save, target, &input, &note) {
            Ok(path) => eprintln!("finding: {} {note}", path.display()),
            Err(e) => eprintln!("finding (not saved: {e}): {note}"),
        }
        tally.add(&Outcome::Finding(note));
        done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        next = index + 1;
    }
    tally
}

/// Runs saved inputs and prints what each gives.
fn replay(options: &Options, corpus: &Corpus) {
    for path in &options.replay {
        let target = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| Target::from_name(&n.to_string_lossy()))
            .unwrap_or(Target::Scenario);
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let input: Input = campaign::decode(target, &bytes);
        let started = Instant::now();
        let outcome = corpus.run(target, &input);
        println!(
            "{} ({}): {outcome:?} in {:.2} s",
            path.display(),
            target.name(),
            started.elapsed().as_secs_f64()
        );
    }
}
