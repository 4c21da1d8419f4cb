//! The path-file reader's tests: formats accepted, errors reported, chunk boundaries.

use super::*;

fn read(text: &str) -> Result<PathSet, ReadError> {
    read_paths(text.as_bytes())
}

#[test]
fn reads_paths_trims_names_and_keeps_inner_spaces() {
    let set = read(
        "\u{feff}path,total_conversions,total_conversion_value,total_null\r\n\
         paid search > email>paid search,2,100.5,3\r\n\
         \n\
         \"email > \"\"quoted\"\" , x\",0,0,1",
    )
    .unwrap();
    assert_eq!(set.channels(), ["paid search", "email", "\"quoted\" , x"]);
    assert_eq!(set.get(0).touches, [0, 1, 0]);
    assert_eq!(
        (set.get(0).conversions, set.get(0).value, set.get(0).null),
        (2.0, 100.5, 3.0)
    );
    assert_eq!(set.get(1).touches, [1, 2]);
}

#[test]
fn columns_are_found_by_name_and_value_and_null_are_optional() {
    let set = read("total_conversions,note,path\n1,hi,a>b\n").unwrap();
    assert_eq!(set.len(), 1);
    assert_eq!((set.get(0).value, set.get(0).null), (0.0, 0.0));
}

#[test]
fn errors_name_the_line_the_column_and_what_was_expected() {
    let h = "path,total_conversions,total_conversion_value,total_null\n";
    let cases = [
        (
            format!("{h}a,1,0,0\nb,x,0,0\n"),
            "line 3, column 2 (total_conversions): expected a non-negative number, found \"x\"",
        ),
        (
            format!("{h}a>,1,0,0\n"),
            "line 2, column 1 (path): expected a channel name, found an empty one",
        ),
        (
            format!("{h} ,1,0,0\n"),
            "line 2, column 1 (path): expected at least one touch",
        ),
        (
            format!("{h}a,1,0\n"),
            "line 2: expected 4 columns as in the header, found 3",
        ),
        (
            format!("{h}\"a,1,0,0\n"),
            "line 2, column 1 (path): expected a closing quote",
        ),
        (
            format!("{h}\"a\"b,1,0,0\n"),
            "line 2, column 1 (path): expected a comma or the end of the line after a closing quote",
        ),
        (
            "paths,conversions\n".to_owned(),
            "line 1: expected a header naming the columns path and total_conversions (optionally total_conversion_value and total_null), found \"paths,conversions\"",
        ),
        (
            String::new(),
            "line 1: expected a header line (path,total_conversions,…), found an empty file",
        ),
        (
            format!("{h}a,-1,0,0\n"),
            "line 2, column 2 (total_conversions): expected a non-negative number, found \"-1\"",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(read(&text).unwrap_err().to_string(), want, "{text:?}");
    }
}

#[test]
fn quoted_newlines_count_toward_line_numbers() {
    let text = "path,total_conversions\n\"a\nb\",1\nc,bad\n";
    assert!(read(text).unwrap_err().to_string().starts_with("line 4,"));
}

#[test]
fn records_spanning_chunk_boundaries_are_read_whole() {
    let mut text = String::from("path,total_conversions,total_conversion_value,total_null\n");
    let mut n = 0;
    while text.len() < 3 * CHUNK {
        text.push_str(&format!("\"ch {n} > other\",1,2.5,0\r\n"));
        n += 1;
    }
    let set = read(&text).unwrap();
    assert_eq!(set.len(), n);
    assert_eq!(set.total_conversions(), n as f64);
    assert_eq!(set.channels().len(), n + 1);
}

#[test]
fn a_size_hint_changes_nothing_but_the_reservations() {
    let text = "path,total_conversions,total_conversion_value,total_null\na > b,1,2,3\nb,0,0,1\n";
    let plain = read(text).unwrap();
    for hint in [1, 10, text.len() as u64, 1 << 40] {
        assert_eq!(read_paths_sized(text.as_bytes(), hint).unwrap(), plain);
    }
    let header_only = read_paths_sized(&b"path,total_conversions\n"[..], 100).unwrap();
    assert!(header_only.is_empty());
}
