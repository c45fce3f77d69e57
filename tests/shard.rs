//! Runs larger than one machine (issue 11, spec precision-and-scale.md section 3): the parts
//! of `sim run --shard K/N` merge into exactly the unsharded run's bytes, bad parts are
//! exit 2 naming the file, parts are written atomically, and the job definitions in
//! `deploy/` run their shards with each engine's own environment variable.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{repository_file, sim};

fn scratch(label: &str) -> PathBuf {
    crate::common::scratch(&format!("shard-{label}"))
}

fn run_ok(args: &[&str]) -> Vec<u8> {
    let output = sim(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Writes the N parts of a run of `scenario` with `trials` trials into `dir`.
fn shard(dir: &Path, scenario: &str, trials: &str, n: u64) -> Vec<String> {
    (1..=n)
        .map(|k| {
            let part = dir.join(format!("part-{k}-of-{n}.json"));
            let part = part.to_string_lossy().into_owned();
            run_ok(&[
                "run",
                scenario,
                "--trials",
                trials,
                "--shard",
                &format!("{k}/{n}"),
                "--output",
                &part,
            ]);
            part
        })
        .collect()
}

/// N = 1, 2, 3 and 7 (3,000 trials: 11.7 chunks, divided by none of them): the merged JSON
/// and table are the unsharded run's bytes, and no temporary file is left behind.
#[test]
fn merged_parts_give_the_unsharded_bytes() {
    let dir = scratch("bytes");
    let scenario = repository_file("scenarios/two-regions.json");
    let scenario = scenario.to_string_lossy();
    let json = run_ok(&["run", &scenario, "--trials", "3000", "--format", "json"]);
    let table = run_ok(&["run", &scenario, "--trials", "3000"]);
    for n in [1, 2, 3, 7] {
        let parts = shard(&dir, &scenario, "3000", n);
        let mut args = vec!["merge"];
        args.extend(parts.iter().map(String::as_str));
        let mut as_json = args.clone();
        as_json.extend(["--format", "json"]);
        assert_eq!(run_ok(&as_json), json, "JSON, N = {n}");
        // The parts in another order merge the same.
        let mut reversed = vec!["merge"];
        reversed.extend(parts.iter().rev().map(String::as_str));
        assert_eq!(run_ok(&reversed), table, "table, N = {n}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The same for `sim compare`: the parts of a paired comparison merge into its exact bytes
/// (the paired differences too), N = 1, 2, 3 and 7, JSON and table.
#[test]
fn merged_comparison_parts_give_the_unsharded_bytes() {
    let dir = scratch("compare");
    let a = repository_file("scenarios/pitfall-single-lb.json");
    let b = repository_file("scenarios/remedy-redundant-lb.json");
    let (a, b) = (a.to_string_lossy(), b.to_string_lossy());
    let json = run_ok(&["compare", &a, &b, "--trials", "2000", "--format", "json"]);
    let table = run_ok(&["compare", &a, &b, "--trials", "2000"]);
    for n in [1u64, 2, 3, 7] {
        let parts: Vec<String> = (1..=n)
            .map(|k| {
                let part = dir.join(format!("c-{k}-of-{n}.json"));
                let part = part.to_string_lossy().into_owned();
                run_ok(&[
                    "compare",
                    &a,
                    &b,
                    "--trials",
                    "2000",
                    "--shard",
                    &format!("{k}/{n}"),
                    "--output",
                    &part,
                ]);
                part
            })
            .collect();
        let mut args = vec!["merge"];
        args.extend(parts.iter().map(String::as_str));
        assert_eq!(run_ok(&args), table, "table, N = {n}");
        args.extend(["--format", "json"]);
        assert_eq!(run_ok(&args), json, "JSON, N = {n}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A missing, duplicated or foreign part (another seed, trial count or scenario), and a
/// truncated or altered one: exit 2, naming the file.
#[test]
fn bad_parts_are_refused_naming_the_file() {
    let dir = scratch("bad");
    let scenario = repository_file("scenarios/active-passive.json");
    let scenario = scenario.to_string_lossy();
    let parts = shard(&dir, &scenario, "1500", 3);
    let refused = |args: &[&str], needle: &str| {
        let mut all = vec!["merge"];
        all.extend(args);
        let output = sim(&all);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{args:?}: want {needle:?} in {stderr}"
        );
    };
    refused(&[&parts[0], &parts[2]], "shard(s) 2/3 missing");
    refused(
        &[&parts[0], &parts[1], &parts[1], &parts[2]],
        "shard 2/3 again",
    );
    let other_seed = dir.join("other-seed.json");
    run_ok(&[
        "run",
        &scenario,
        "--trials",
        "1500",
        "--seed",
        "9",
        "--shard",
        "2/3",
        "--output",
        &other_seed.to_string_lossy(),
    ]);
    refused(
        &[&parts[0], &other_seed.to_string_lossy(), &parts[2]],
        "other-seed.json: a part of another run",
    );
    let other_trials = dir.join("other-trials.json");
    run_ok(&[
        "run",
        &scenario,
        "--trials",
        "1800",
        "--shard",
        "2/3",
        "--output",
        &other_trials.to_string_lossy(),
    ]);
    refused(
        &[&parts[0], &other_trials.to_string_lossy(), &parts[2]],
        "other-trials.json: a part of another run",
    );
    let other_scenario = dir.join("other-scenario.json");
    let two_regions = repository_file("scenarios/two-regions.json");
    run_ok(&[
        "run",
        &two_regions.to_string_lossy(),
        "--trials",
        "1500",
        "--shard",
        "2/3",
        "--output",
        &other_scenario.to_string_lossy(),
    ]);
    refused(
        &[&parts[0], &other_scenario.to_string_lossy(), &parts[2]],
        "other-scenario.json: a part of another run",
    );
    let text = std::fs::read_to_string(&parts[1]).unwrap();
    let truncated = dir.join("truncated.json");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    refused(
        &[&parts[0], &truncated.to_string_lossy(), &parts[2]],
        "truncated.json: not a complete sim partial result",
    );
    // One digit of one accumulator changed.
    let position = text.find("\"count\":").unwrap() + "\"count\":".len();
    let mut altered = text.clone().into_bytes();
    altered[position] = if altered[position] == b'1' {
        b'2'
    } else {
        b'1'
    };
    let corrupt = dir.join("corrupt.json");
    std::fs::write(&corrupt, altered).unwrap();
    refused(
        &[&parts[0], &corrupt.to_string_lossy(), &parts[2]],
        "corrupt.json: its checksum does not match",
    );
    // A part claiming an absurd shard count is refused before anything is sized by it.
    let absurd = dir.join("absurd.json");
    std::fs::write(
        &absurd,
        text.replace("\"shards\":3", "\"shards\":1000000000000"),
    )
    .unwrap();
    refused(
        &[&absurd.to_string_lossy(), &parts[0], &parts[2]],
        "absurd.json: shard 2/1000000000000 is not a shard",
    );
    // --shard needs --output and refuses --precision.
    let output = sim(&["run", &scenario, "--shard", "1/2"]);
    assert_eq!(output.status.code(), Some(2));
    let output = sim(&[
        "run",
        &scenario,
        "--shard",
        "1/2",
        "--precision",
        "0.1",
        "--output",
        &dir.join("x.json").to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

/// The job definitions' shard script run as each engine runs it: N processes with the
/// engine's own index variable (a Kubernetes Indexed Job's JOB_COMPLETION_INDEX, a Slurm
/// array's SLURM_ARRAY_TASK_ID, a GitHub Actions matrix's SIM_SHARD_INDEX), then its merge
/// step; the merged report is the unsharded run's. Lints the scripts and YAML with
/// shellcheck and yamllint where they are installed.
#[test]
fn the_job_definitions_run_their_shards_and_merge() {
    let script = repository_file("deploy/shard.sh");
    let scenario = repository_file("scenarios/pitfall-single-lb.json");
    let whole = run_ok(&[
        "run",
        &scenario.to_string_lossy(),
        "--trials",
        "2000",
        "--format",
        "json",
    ]);
    for variable in [
        "JOB_COMPLETION_INDEX",
        "SLURM_ARRAY_TASK_ID",
        "SIM_SHARD_INDEX",
    ] {
        let dir = scratch(&variable.to_lowercase());
        let parts = dir.join("parts");
        let step = |mode: &str, index: Option<u64>| {
            let mut command = Command::new("sh");
            command
                .arg(&script)
                .arg(mode)
                .env("SIM", env!("CARGO_BIN_EXE_sim"))
                .env("SIM_SCENARIO", &scenario)
                .env("SIM_SHARDS", "3")
                .env("SIM_TRIALS", "2000")
                .env("SIM_PARTS", &parts)
                .env_remove("JOB_COMPLETION_INDEX")
                .env_remove("SLURM_ARRAY_TASK_ID")
                .env_remove("SIM_SHARD_INDEX");
            if let Some(index) = index {
                command.env(variable, index.to_string());
            }
            let output = command.output().unwrap();
            assert!(
                output.status.success(),
                "{variable} {mode}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        for index in 0..3 {
            step("run", Some(index));
        }
        step("merge", None);
        let merged = std::fs::read(parts.join("report.json")).unwrap();
        assert_eq!(merged, whole, "{variable}");
        std::fs::remove_dir_all(&dir).ok();
    }
    let deploy = repository_file("deploy");
    let has = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if has("shellcheck") {
        let output = Command::new("shellcheck")
            .args([
                "shard.sh",
                "slurm/sim-array.sbatch",
                "slurm/sim-merge.sbatch",
            ])
            .current_dir(&deploy)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    if has("yamllint") {
        let output = Command::new("yamllint")
            .args([
                "-d",
                "{extends: relaxed, rules: {line-length: {max: 120}}}",
                "kubernetes",
                "github",
            ])
            .current_dir(&deploy)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

/// `sim plan` projects the trials a precision needs from a pilot (10,240 trials of
/// active-passive, every one with downtime): a run with that many trials reaches the target
/// within 20% (the 1/sqrt(n) law; the pilot's own error is about 1%). `sim merge` says the
/// precision the merged run reached.
#[test]
fn plan_projects_the_trials_and_merge_reports_the_precision() {
    let scenario = repository_file("scenarios/active-passive.json");
    let scenario = scenario.to_string_lossy();
    let plan: serde_json::Value = serde_json::from_slice(&run_ok(&[
        "plan",
        &scenario,
        "--precision",
        "0.02",
        "--shard-trials",
        "1000",
        "--json",
    ]))
    .unwrap();
    let needed = plan["trials_needed"].as_u64().unwrap();
    assert_eq!(
        plan["shards_needed"].as_u64().unwrap(),
        needed.div_ceil(1000)
    );
    let report: serde_json::Value = serde_json::from_slice(&run_ok(&[
        "run",
        &scenario,
        "--trials",
        &needed.to_string(),
        "--format",
        "json",
    ]))
    .unwrap();
    let unavailability = 1.0 - report["availability"]["mean"].as_f64().unwrap();
    let reached = 1.959964 * report["availability"]["std_error"].as_f64().unwrap() / unavailability;
    assert!(
        (reached / 0.02 - 1.0).abs() < 0.2,
        "{needed} trials: {reached}"
    );
    let dir = scratch("plan");
    let parts = shard(&dir, &scenario, "1000", 2);
    let output = sim(&["merge", &parts[0], &parts[1]]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("95% interval is +/-"));
    std::fs::remove_dir_all(&dir).ok();
}

/// `sim check --shard K/N --output PART`, then `sim merge`: the verdicts, their text and the
/// exit status are the unsharded check's, against a baseline report (same trials: passes)
/// and against a baseline scenario (a paired comparison: the single load balancer is worse,
/// exit 1), and the merge writes the JUnit file.
#[test]
fn sharded_checks_merge_into_the_same_verdicts() {
    let dir = scratch("check");
    let scenario = repository_file("scenarios/active-passive.json");
    let scenario = scenario.to_string_lossy();
    let baseline = dir.join("baseline.json");
    run_ok(&[
        "run",
        &scenario,
        "--trials",
        "1500",
        "--output",
        &baseline.to_string_lossy(),
        "--format",
        "json",
    ]);
    let before = repository_file("scenarios/pitfall-single-lb.json");
    for (label, against) in [
        ("report", baseline.to_string_lossy().into_owned()),
        ("scenario", before.to_string_lossy().into_owned()),
    ] {
        let whole = sim(&[
            "check",
            &scenario,
            "--baseline",
            &against,
            "--trials",
            "1500",
        ]);
        let parts: Vec<String> = (1..=3)
            .map(|k| {
                let part = dir
                    .join(format!("{label}-{k}.json"))
                    .to_string_lossy()
                    .into_owned();
                let output = sim(&[
                    "check",
                    &scenario,
                    "--baseline",
                    &against,
                    "--trials",
                    "1500",
                    "--shard",
                    &format!("{k}/3"),
                    "--output",
                    &part,
                ]);
                assert!(
                    output.status.success(),
                    "{}",
                    String::from_utf8_lossy(&output.stderr)
                );
                part
            })
            .collect();
        let junit = dir.join(format!("{label}.xml"));
        let junit = junit.to_string_lossy();
        let mut args = vec!["merge", "--junit", &junit];
        args.extend(parts.iter().map(String::as_str));
        let merged = sim(&args);
        assert_eq!(merged.stdout, whole.stdout, "{label}");
        assert_eq!(merged.status.code(), whole.status.code(), "{label}");
        assert!(std::fs::read_to_string(&*junit)
            .unwrap()
            .contains("<testcase"));
    }
    std::fs::remove_dir_all(&dir).ok();
}
