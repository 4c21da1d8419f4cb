//! `leadline attribution PATHS.csv` on a small file worked by hand, on the oracle's
//! `paths_2k.csv` (skipped without `../shared/reference`), and on a broken file.

use std::path::{Path, PathBuf};

use crate::support::leadline;

/// Three paths. By hand: first touch gives `a` 1 (30) and `=c` 1 (10); linear splits
/// `a > b` in halves. Order-1 Markov: start → a 2/4, start → =c 2/4, a → b 1/2, a → null
/// 1/2, b → conversion 1, =c → conversion 1/2, so P(conv) = 1/2 and removing any one
/// channel loses 1/4: every removal effect is 1/2 and the 2 conversions split evenly. Value
/// lost: a and b 1/4 × 30 each, =c 1/4 × 10 (its mean value per conversion 10 × 1/2), so
/// the 40 split 3 : 3 : 1.
const HAND: &str = "path,total_conversions,total_conversion_value,total_null\n\
                    a > b,1,30,0\n\
                    a,0,0,1\n\
                    =c,1,10,1\n";

fn run(file: &Path, args: &[&str]) -> std::process::Output {
    leadline()
        .arg("attribution")
        .arg(file)
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn close(v: &serde_json::Value, want: f64) {
    let got = v.as_f64().unwrap_or(f64::NAN);
    assert!(
        (got - want).abs() <= 1e-12 * want.abs().max(1.0),
        "{got} vs {want}"
    );
}

#[test]
fn attribution_of_a_hand_worked_file_gives_the_hand_computed_credit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("paths.csv");
    std::fs::write(&file, HAND).unwrap();

    let m = json(&run(&file, &["--model", "markov", "--format", "json"]));
    assert_eq!(m["model"], "markov");
    assert_eq!(m["order"], 1);
    let ch = m["channels"].as_array().unwrap();
    let names: Vec<&str> = ch.iter().map(|c| c["channel"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b", "=c"]);
    for (c, value) in ch.iter().zip([120.0 / 7.0, 120.0 / 7.0, 40.0 / 7.0]) {
        close(&c["conversions"], 2.0 / 3.0);
        close(&c["value"], value);
        close(&c["removal_effect"], 0.5);
    }

    let first = json(&run(&file, &["--model", "first", "--format", "json"]));
    assert_eq!(first["order"], serde_json::Value::Null);
    assert!(first["channels"][0].get("removal_effect").is_none());
    let credit: Vec<(f64, f64)> = first["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["conversions"].as_f64().unwrap(),
                c["value"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(credit, [(1.0, 30.0), (0.0, 0.0), (1.0, 10.0)]);

    let all = json(&run(&file, &["--model", "all", "--format", "json"]));
    let models: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(
        models,
        [
            "first",
            "last",
            "last-non-direct",
            "linear",
            "time-decay",
            "u-shaped",
            "w-shaped",
            "full-path",
            "markov",
            "shapley"
        ]
    );
    let three = json(&run(
        &file,
        &["--model", "first,last,linear", "--format", "json"],
    ));
    let names: Vec<&str> = three
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["first", "last", "linear"]);
    assert_eq!(three[0], first);

    let linear = &all[3]["channels"];
    for (i, want) in [0.5, 0.5, 1.0].into_iter().enumerate() {
        close(&linear[i]["conversions"], want);
    }

    let csv = run(&file, &["--model", "linear", "--format", "csv"]);
    assert!(csv.status.success());
    assert_eq!(
        String::from_utf8(csv.stdout).unwrap(),
        "model,order,channel,conversions,value,removal_effect\n\
         linear,,a,0.5,15,\nlinear,,b,0.5,15,\nlinear,,'=c,1,10,\n"
    );

    let table = run(&file, &["--model", "u-shaped"]);
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.starts_with("u-shaped\nchannel  conversions  value\n"),
        "{text}"
    );
    // The design's name for the position-based model is the same model.
    let position = run(&file, &["--model", "position"]);
    assert_eq!(String::from_utf8(position.stdout).unwrap(), text);
}

#[test]
fn a_broken_path_file_is_reported_by_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.csv");
    std::fs::write(&file, format!("{HAND}a > > b,1,0,0\n")).unwrap();
    let out = run(&file, &["--model", "linear"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "broken.csv: line 5, column 1 (path): expected a channel name, found an empty one"
        ),
        "{stderr}"
    );
    let custom = run(&file, &["--model", "custom"]);
    assert!(String::from_utf8_lossy(&custom.stderr).contains("--model custom needs --weights"));
}

fn oracle() -> Option<PathBuf> {
    let dir = match std::env::var_os("LEADLINE_REFERENCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"),
    };
    let dir = dir.join("attribution");
    dir.join("paths_2k.csv").is_file().then_some(dir)
}

/// Rows of an oracle CSV (no quoting there) as (channel, cells).
fn oracle_rows(dir: &Path, name: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[test]
fn attribution_of_paths_2k_matches_the_oracle_through_the_binary() {
    let Some(dir) = oracle() else {
        eprintln!(
            "SKIPPED attribution_of_paths_2k_matches_the_oracle_through_the_binary: no ../shared/reference/attribution"
        );
        return;
    };
    let file = dir.join("paths_2k.csv");
    let all = json(&run(
        &file,
        &["--model", "all", "--order", "3", "--format", "json"],
    ));
    let model = |name: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|m| m["model"] == name)
            .unwrap()
            .clone()
    };
    let credit = |m: &serde_json::Value, channel: &str, key: &str| {
        m["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["channel"] == channel)
            .unwrap()[key]
            .clone()
    };
    for row in oracle_rows(&dir, "heuristic.csv") {
        let num = |i: usize| row[i].parse::<f64>().unwrap();
        for (name, col) in [("first", 1), ("last", 3), ("linear", 5)] {
            let m = model(name);
            close_rel(&credit(&m, &row[0], "conversions"), num(col));
            close_rel(&credit(&m, &row[0], "value"), num(col + 1));
        }
    }
    let markov = model("markov");
    assert_eq!(markov["order"], 3);
    for row in oracle_rows(&dir, "markov_exact.csv")
        .iter()
        .filter(|r| r[0] == "3")
    {
        let num = |i: usize| row[i].parse::<f64>().unwrap();
        close_rel(&credit(&markov, &row[1], "removal_effect"), num(2));
        close_rel(&credit(&markov, &row[1], "conversions"), num(4));
        close_rel(&credit(&markov, &row[1], "value"), num(5));
    }
}

fn close_rel(v: &serde_json::Value, want: f64) {
    let got = v.as_f64().unwrap_or(f64::NAN);
    assert!((got - want).abs() <= 1e-9 * want.abs(), "{got} vs {want}");
}
