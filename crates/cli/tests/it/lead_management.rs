//! The lead-management commands as an operator scripts them: a policy file checked and
//! applied, saved segments counted, exports of a segment, stage moves with reasons.

use crate::support::{database, ok, run};

fn csv_rows(text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("a CSV row"))
        .collect()
}

#[tokio::test]
async fn a_policy_file_segments_exports_and_stage_moves_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let list = dir.path().join("booth.csv");
    std::fs::write(
        &list,
        "email,first_name,last_name,title,company\n\
         vp@acme-industrial.com,Ada,King,VP Sales,Acme\n\
         kim@cs.stanford.edu,Kim,Lee,Student,Stanford\n\
         spy@rival.com,Sam,Spy,Analyst,Rival\n\
         eve@initech.com,Eve,Hall,Manager,=HYPERLINK(\"http://x\")\n",
    )
    .unwrap();
    ok(
        &db,
        &["import", list.to_str().unwrap(), "--progress", "json"],
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[scoring]\nhalf_life_days = \"soon\"\n").unwrap();
    let out = run(&db, &["policy", "check", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml: line 2, column 18"), "{err}");

    let good = dir.path().join("leadline.toml");
    std::fs::write(
        &good,
        "[qualification]\ncompetitor_domains = [\"rival.com\"]\n",
    )
    .unwrap();
    ok(&db, &["policy", "apply", good.to_str().unwrap()]);
    assert!(ok(&db, &["policy", "show"]).contains("rival.com"));

    let all = csv_rows(&ok(&db, &["export"]));
    assert_eq!(all.len(), 4);
    let stage_of = |email: &str| {
        all.iter()
            .find(|r| &r[1] == email)
            .map(|r| r[9].to_owned())
            .unwrap()
    };
    assert_eq!(stage_of("spy@rival.com"), "disqualified");
    assert_eq!(stage_of("kim@cs.stanford.edu"), "disqualified");
    let eve = all.iter().find(|r| &r[1] == "eve@initech.com").unwrap();
    assert!(
        eve[6].starts_with("'="),
        "formula neutralised: {:?}",
        &eve[6]
    );

    ok(
        &db,
        &[
            "segment",
            "save",
            "Execs",
            "title contains \"vp\" and not disqualified",
        ],
    );
    assert_eq!(ok(&db, &["segment", "count", "execs"]).trim(), "1");
    assert_eq!(
        ok(&db, &["segment", "count", "flags contains \"student\""]).trim(),
        "1"
    );
    let listed = ok(&db, &["segment", "list"]);
    assert!(listed.starts_with("Execs\t1\t"), "{listed}");
    let out = dir.path().join("execs.csv");
    ok(
        &db,
        &[
            "export",
            "--segment",
            "Execs",
            "--output",
            out.to_str().unwrap(),
        ],
    );
    let execs = csv_rows(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(execs.len(), 1);
    assert_eq!(&execs[0][1], "vp@acme-industrial.com");

    let out = run(&db, &["segment", "count", "title contains"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("column 15"));

    let vp_id = execs[0][0].to_owned();
    let out = run(&db, &["stage", &vp_id, "sal", "--reason", " "]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("reason"));
    let out = run(&db, &["stage", &vp_id, "won", "--reason", "x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected one of"));
    ok(
        &db,
        &["stage", &vp_id, "sal", "--reason", "Accepted at the booth"],
    );
    let after = csv_rows(&ok(&db, &["export", "--segment", "stage = \"sal\""]));
    assert_eq!(after.len(), 1);
}
