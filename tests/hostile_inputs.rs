//! Hostile input (issue 13): messages that echo the input are safe to print (control and
//! bidi characters escaped, long values cut, paths on one line), inputs are bounded in
//! size and encoding, long lists validate in linear time, and `sim check` refuses a
//! tampered or foreign baseline report.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{scratch, sim};

const VALID: &str = r#"{ "failures": [ { "name": "crash", "ttf": "30d", "ttr": "1h" } ] }"#;

fn write(directory: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = directory.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn validate(path: &Path) -> (Option<i32>, String) {
    let output = sim(&["validate", path.to_str().unwrap()]);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Bad input: exit 2, one `error:` line, no raw control byte, short.
fn assert_safe_refusal(what: &str, code: Option<i32>, stderr: &str) {
    assert_eq!(code, Some(2), "{what}: {stderr}");
    assert!(stderr.starts_with("error: "), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    let raw_control = stderr
        .chars()
        .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}');
    assert!(!raw_control, "{what}: raw control character in {stderr:?}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{what}: {stderr}");
    assert!(
        stderr.len() < 2_500,
        "{what}: {} bytes of stderr",
        stderr.len()
    );
}

#[test]
fn control_characters_and_huge_values_are_escaped_and_cut() {
    let directory = scratch("hostile-messages");
    let escape = "\u{1b}[31m\u{7}\r\u{0}\u{9b}\u{202e}";
    let scenario = |components: serde_json::Value, entry: &str| {
        serde_json::json!({ "components": components, "entry": entry }).to_string()
    };
    let huge = "x".repeat(12 << 20);
    let cases: Vec<(&str, String, &str)> = vec![
        // (what, scenario text, words the message must contain)
        (
            "escape sequence in a key",
            scenario(
                serde_json::json!({ "api": { format!("replica{escape}"): 1 } }),
                "api",
            ),
            "\\u{1b}[31m\\u{7}\\r\\u{0}\\u{9b}\\u{202e}",
        ),
        (
            "escape sequence in a value",
            scenario(serde_json::json!({ "api": {} }), &format!("web{escape}")),
            "unknown component \"web\\u{1b}",
        ),
        (
            "escape sequence in a duration",
            scenario(
                serde_json::json!({ "api": { "failures": [ { "name": "x", "ttf": format!("1h{escape}"), "ttr": "1h" } ] } }),
                "api",
            ),
            "components.api.failures[0].ttf",
        ),
        (
            "escape sequence in a component name",
            scenario(
                serde_json::json!({ format!("a{escape}"): { "replicas": 0 } }),
                "api",
            ),
            "components.a\\u{1b}[31m",
        ),
        (
            "a 12 MB value",
            scenario(
                serde_json::json!({ "api": { "failures": [ { "name": "x", "ttf": huge, "ttr": "1h" } ] } }),
                "api",
            ),
            "more bytes)",
        ),
        (
            "a 12 MB key",
            scenario(serde_json::json!({ "api": { huge.clone(): 1 } }), "api"),
            "more bytes)",
        ),
        (
            "a 12 MB wrong type",
            scenario(serde_json::json!({ "api": { "replicas": huge } }), "api"),
            "components.api.replicas",
        ),
    ];
    for (i, (what, text, words)) in cases.iter().enumerate() {
        let path = write(&directory, &format!("case-{i}.json"), text);
        let (code, stderr) = validate(&path);
        assert_safe_refusal(what, code, &stderr);
        assert!(stderr.contains(words), "{what}: lacks {words:?}: {stderr}");
    }
    // A 32 MB value is over the size limit: refused before it is parsed, just as briefly.
    let text = scenario(
        serde_json::json!({ "api": { "failures": [ { "name": "x", "ttf": "x".repeat(32 << 20), "ttr": "1h" } ] } }),
        "api",
    );
    let path = write(&directory, "32mb.json", text);
    let (code, stderr) = validate(&path);
    assert_safe_refusal("32 MB", code, &stderr);
    assert!(stderr.contains("16 MiB"), "{stderr}");
    // A control character in the file name is escaped too.
    let path = write(&directory, "evil\u{1b}[2J.json", "{");
    let (code, stderr) = validate(&path);
    assert_safe_refusal("file name", code, &stderr);
    assert!(stderr.contains("evil\\u{1b}[2J.json"), "{stderr}");
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn a_newline_in_a_key_does_not_split_the_path() {
    let directory = scratch("hostile-newline");
    for (i, text) in [
        // Found by the checker, and by serde (unknown key) with line and column.
        r#"{ "components": { "a\nb": { "replicas": 0 } }, "entry": "a\nb" }"#.to_string(),
        r#"{ "components": { "api": { "bad\nkey": 1 } }, "entry": "api" }"#.to_string(),
        format!(r#"{{ "components": {{ "a\r\nb": {VALID}, "c": {{ "depends_on": ["x"] }} }}, "entry": "c" }}"#),
    ]
    .iter()
    .enumerate()
    {
        let path = write(&directory, &format!("newline-{i}.json"), text);
        let (code, stderr) = validate(&path);
        assert_safe_refusal("newline in a key", code, &stderr);
        assert!(stderr.contains("\\n"), "{stderr}");
    }
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn unreadable_encodings_get_a_positioned_message() {
    let directory = scratch("hostile-encodings");
    let text = format!(r#"{{ "components": {{ "api": {VALID} }}, "entry": "api" }}"#);
    let utf16 = |big_endian: bool| -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    };
    let mut with_mark = vec![0xff, 0xfe];
    with_mark.extend(utf16(false));
    let latin1 = text
        .replace("crash", "\u{fc}")
        .chars()
        .map(|c| c as u8)
        .collect::<Vec<u8>>();
    for (name, bytes, words) in [
        (
            "utf16-bom.json",
            with_mark,
            "line 1, column 1 (byte 0): the file is UTF-16",
        ),
        (
            "utf16-le.json",
            utf16(false),
            "line 1, column 2 (byte 1): the file looks like UTF-16",
        ),
        (
            "utf16-be.json",
            utf16(true),
            "line 1, column 1 (byte 0): the file looks like UTF-16",
        ),
        ("latin1.json", latin1, "byte 0xfc is not UTF-8"),
    ] {
        let path = write(&directory, name, bytes);
        let (code, stderr) = validate(&path);
        assert_safe_refusal(name, code, &stderr);
        assert!(stderr.contains(words), "{name}: {stderr}");
        assert!(stderr.contains("UTF-8"), "{name}: {stderr}");
    }
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn endless_and_deep_inputs_are_refused_at_once() {
    let (code, stderr) = validate(Path::new("/dev/zero"));
    assert_safe_refusal("/dev/zero", code, &stderr);
    assert!(stderr.contains("larger than 16 MiB"), "{stderr}");
    let directory = scratch("hostile-deep");
    let deep = format!(
        r#"{{ "components": {}{} }}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let path = write(&directory, "deep.json", deep);
    let (code, stderr) = validate(&path);
    assert_safe_refusal("deep nesting", code, &stderr);
    assert!(
        stderr.contains(":1:") && stderr.contains("recursion limit"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

/// Long lists validate in linear time: 200,000 copies of one dependency stop at the second,
/// 19,999 distinct ones pass (the most within the 20,000-component limit), and 200,000
/// components are over the stated limit.
#[test]
fn huge_dependency_lists_are_handled() {
    let directory = scratch("hostile-wide");
    let twice = serde_json::json!({
        "components": { "api": { "depends_on": vec!["db"; 200_000] }, "db": {} },
        "entry": "api"
    });
    let path = write(&directory, "twice.json", twice.to_string());
    let (code, stderr) = validate(&path);
    assert_safe_refusal("repeated dependency", code, &stderr);
    assert!(
        stderr.contains("components.api.depends_on[1]: \"db\" is listed twice"),
        "{stderr}"
    );
    let wide = |n: usize| {
        let mut components = serde_json::Map::new();
        let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        components.insert("api".into(), serde_json::json!({ "depends_on": names }));
        for name in names {
            components.insert(name, serde_json::json!({}));
        }
        serde_json::json!({ "components": components, "entry": "api" }).to_string()
    };
    let path = write(&directory, "wide.json", wide(19_999));
    let (code, stderr) = validate(&path);
    assert_eq!(code, Some(0), "{stderr}");
    let path = write(&directory, "wider.json", wide(200_000));
    let (code, stderr) = validate(&path);
    assert_safe_refusal("200,000 components", code, &stderr);
    assert!(
        stderr.contains("components: 200001 entries; at most 20000"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn microseconds_are_a_unit() {
    let directory = scratch("hostile-us");
    for unit in ["us", "µs"] {
        let text = format!(
            r#"{{ "components": {{ "api": {{ "failures": [ {{ "name": "x", "ttf": "30d", "ttr": "500{unit}" }} ] }} }}, "entry": "api" }}"#
        );
        let path = write(&directory, "us.json", text);
        let (code, stderr) = validate(&path);
        assert_eq!(code, Some(0), "{unit}: {stderr}");
    }
    std::fs::remove_dir_all(&directory).unwrap();
}

fn check(args: &[&str]) -> Output {
    let mut all = vec!["check", "tests/reference/v1-single.json", "-q"];
    all.extend_from_slice(args);
    sim(&all)
}

#[test]
fn tampered_or_foreign_baselines_are_refused() {
    let directory = scratch("hostile-baselines");
    let baseline = directory.join("baseline.json");
    let output = sim(&[
        "run",
        "tests/reference/v1-single.json",
        "--trials",
        "200",
        "-q",
        "--output",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    let fingerprint = report["scenario_fingerprint"].as_str().unwrap().to_string();
    assert_eq!(fingerprint.len(), 16);
    // The untouched report passes, reproducing itself.
    let output = check(&["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let tampered = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut value = report.clone();
        edit(&mut value);
        write(&directory, name, value.to_string())
    };
    for (name, edit, path) in [
        (
            "trials-0.json",
            (|v: &mut serde_json::Value| v["trials"] = 0.into()) as fn(&mut serde_json::Value),
            "trials",
        ),
        (
            "trials-1e12.json",
            |v| v["trials"] = serde_json::json!(1e12),
            "trials",
        ),
        (
            "trials-10-12.json",
            |v| v["trials"] = serde_json::json!(1_000_000_000_000u64),
            "trials",
        ),
        (
            "mean-2.json",
            |v| v["availability"]["mean"] = 2.0.into(),
            "availability.mean",
        ),
        (
            "mean-negative.json",
            |v| v["availability"]["mean"] = (-0.5).into(),
            "availability.mean",
        ),
        (
            "se-2.json",
            |v| v["availability"]["std_error"] = 2.0.into(),
            "availability.std_error",
        ),
        (
            "ci-reversed.json",
            |v| v["availability"]["ci95"] = serde_json::json!([0.99, 0.9]),
            "availability.ci95",
        ),
        ("seed-text.json", |v| v["seed"] = "1".into(), "seed"),
    ] {
        let file = tampered(name, &edit);
        let output = check(&["--baseline", file.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{}: {path}: ", file.display())),
            "{name}: {stderr}"
        );
    }
    // Another scenario's report (another name and fingerprint) is refused, unless allowed.
    let foreign = tampered("foreign.json", &|v| {
        v["scenario"] = "payments".into();
        v["scenario_fingerprint"] = "0123456789abcdef".into();
    });
    let output = check(&["--baseline", foreign.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("\"payments\"") && stderr.contains("--allow-other-baseline"),
        "{stderr}"
    );
    let output = check(&[
        "--baseline",
        foreign.to_str().unwrap(),
        "--allow-other-baseline",
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout)
        .contains("NOTE the baseline is a report of scenario \"payments\""));
    // The same design renamed (its fingerprint) and an earlier version of the same scenario
    // (its name: the regression check's purpose) are this scenario.
    let renamed = tampered("renamed.json", &|v| v["scenario"] = "old name".into());
    let output = check(&["--baseline", renamed.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    // An edited availability of the same design and run is noted (the check itself still
    // runs: a new version of sim may change results).
    let edited = tampered("edited.json", &|v| v["availability"]["mean"] = 0.5.into());
    let output = check(&["--baseline", edited.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("it was edited"),
        "{output:?}"
    );
    let output = check(&["--baseline", baseline.to_str().unwrap()]);
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("NOTE"),
        "{output:?}"
    );
    let earlier = tampered("earlier.json", &|v| {
        v["scenario_fingerprint"] = "fedcba9876543210".into()
    });
    let output = check(&["--baseline", earlier.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    std::fs::remove_dir_all(&directory).unwrap();
}

/// The fingerprint says what the scenario is, not how it is run: trials, seed, key order and
/// whitespace leave it unchanged; a parameter changes it.
#[test]
fn the_fingerprint_ignores_trials_seed_and_layout() {
    let load = |text: &str| sim::scenario::load_str(text, "t.json").unwrap().fingerprint;
    let base = load(&format!(
        r#"{{ "simulation": {{ "trials": 100, "seed": 1 }}, "components": {{ "api": {VALID} }}, "entry": "api" }}"#
    ));
    let rerun = load(&format!(
        r#"{{"entry":"api","components":{{"api":{VALID}}},"simulation":{{"seed":7,"trials":5000}}}}"#
    ));
    assert_eq!(base, rerun);
    let rehearsed = load(&format!(
        r#"{{ "components": {{ "api": {VALID} }}, "entry": "api", "experiments": {{ "kill": {{ "at": "1h", "inject": [ {{ "unit": "api#0", "for": "1m" }} ] }} }} }}"#
    ));
    assert_eq!(base, rehearsed);
    let default_run = load(&format!(
        r#"{{ "components": {{ "api": {VALID} }}, "entry": "api" }}"#
    ));
    assert_eq!(base, default_run);
    let changed = load(
        r#"{ "components": { "api": { "failures": [ { "name": "crash", "ttf": "31d", "ttr": "1h" } ] } }, "entry": "api" }"#,
    );
    assert_ne!(base, changed);
}

/// Values typed on the command line are echoed escaped too: clap's own messages, `--set`.
#[test]
fn command_line_values_are_escaped() {
    let nasty = "a\rb\u{9b}c\u{202e}d\u{1b}[2J";
    for args in [
        &["run", "tests/reference/v1-single.json", "--format", nasty][..],
        &["sweep", "tests/reference/v1-single.json", "--set", nasty],
        &[
            "sweep",
            "tests/reference/v1-single.json",
            "--set",
            &format!("components.{nasty}=1,2"),
        ],
        &["validate", nasty],
    ] {
        let output = sim(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        let raw_control = stderr
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}');
        assert!(
            !raw_control,
            "{args:?}: raw control character in {stderr:?}"
        );
        assert!(
            stderr.contains("\\r") && stderr.contains("\\u{202e}"),
            "{args:?}: {stderr}"
        );
    }
}

/// Names reach every output format: terminal tables, markdown, JUnit XML, SVG and HTML.
/// Control characters become visible escapes (XML forbids them; a terminal would act on
/// them) and `<` cannot open raw HTML in rendered markdown.
#[test]
fn names_with_controls_and_markup_are_escaped_in_every_output() {
    let directory = scratch("hostile-names");
    let scenario = serde_json::json!({
        "name": "evil\u{1b}[31m<script>x</script>\u{7}",
        "components": {"a\u{7}b": {"failures": [{"name": "c\u{1b}", "ttf": "30d", "ttr": "1h"}]}},
        "entry": "a\u{7}b",
        "slo": {"availability": 0.99}
    });
    let file = write(&directory, "evil.json", scenario.to_string());
    let file = file.to_str().unwrap();
    let raw = |bytes: &[u8]| bytes.iter().any(|b| *b == 0x1b || *b == 0x07);
    for format in ["table", "markdown"] {
        let output = sim(&["run", file, "--trials", "200", "--format", format, "-q"]);
        assert!(output.status.success());
        assert!(!raw(&output.stdout), "{format}");
        if format == "markdown" {
            assert!(!String::from_utf8_lossy(&output.stdout).contains("<script>"));
        }
    }
    let junit = directory.join("check.xml");
    let output = sim(&[
        "check",
        file,
        "--trials",
        "200",
        "--junit",
        junit.to_str().unwrap(),
        "-q",
    ]);
    assert!(!raw(&output.stdout));
    roxmltree::Document::parse(&std::fs::read_to_string(&junit).unwrap()).unwrap();
    let report = directory.join("report");
    let output = sim(&[
        "report",
        file,
        "--trials",
        "200",
        "-o",
        report.to_str().unwrap(),
        "-q",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut svgs = 0;
    for path in crate::common::files_under(&report) {
        let text = std::fs::read_to_string(report.join(&path)).unwrap();
        assert!(!raw(text.as_bytes()), "{}", path.display());
        if path.extension().is_some_and(|e| e == "svg") {
            roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            svgs += 1;
        }
        if path.extension().is_some_and(|e| e == "md" || e == "html") {
            assert!(!text.contains("<script>"), "{}", path.display());
        }
    }
    assert!(svgs >= 5);
}
