//! `titlematch normalize` and `bulk::normalize`: every row in, every row out.
//!
//! 1. Rows in = rows out, in input order, for every input here (and for any bytes at all, by
//!    property test), across chunks and with a cache that fills up; every row's answer is the
//!    answer `match_with` gives for its title.
//! 2. CSV/TSV reading: quoting edge cases (delimiters, doubled quotes, newlines in fields), BOM,
//!    CRLF, empty file, header only, one column, `;` CSV, no header.
//! 3. Unreadable rows (invalid UTF-8, ragged rows, bad quoting, JSONL that is not an object or
//!    lacks the key) are written as `error` rows and listed with line and reason; only the
//!    broken line of an unterminated quote is lost to it.
//! 4. Clear errors before any row is written: a missing column lists the columns; a misspelled
//!    JSONL key lists the keys; UTF-16 says how to convert.
//! 5. The CLI: stdin to stdout, formats by extension, errors file beside the output, summary
//!    JSON, exit codes, re-running on its own output, `--queue-review` and approved aliases.

use crate::common;
use proptest::prelude::*;
use std::io::Write;
use std::process::{Command, Stdio};
use titlematch::bulk::{
    self, BulkOptions, Column, ErrorKind, Format, Hooks, ReviewCandidate, Summary,
};
use titlematch::MatchOptions;

const APPENDED: [&str; 10] = [
    "role_code",
    "role_name",
    "level_code",
    "level_name",
    "confidence",
    "band",
    "match_type",
    "soc_code",
    "soc_title",
    "needs_review",
];

#[derive(Debug)]
struct Out {
    text: String,
    summary: Summary,
    errors: String,
}

fn run_opts(input: &[u8], opts: &BulkOptions) -> titlematch::Result<Out> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let hooks = Hooks {
        errors: Some(&mut errors),
        ..Hooks::default()
    };
    let summary = bulk::normalize_with(common::engine(), input, &mut out, opts, hooks)?;
    Ok(Out {
        text: String::from_utf8(out).expect("output is UTF-8"),
        summary,
        errors: String::from_utf8(errors).expect("errors file is UTF-8"),
    })
}

fn run(input: &[u8], column: &str) -> Out {
    run_opts(
        input,
        &BulkOptions {
            column: Column::Name(column.into()),
            ..BulkOptions::default()
        },
    )
    .expect("run succeeds")
}

/// Parse CSV output into records (header included).
fn records(text: &str, delim: u8) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(text.as_bytes());
    rdr.records()
        .map(|r| {
            r.expect("output parses")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

fn assert_rectangular(recs: &[Vec<String>]) {
    let w = recs[0].len();
    for (i, r) in recs.iter().enumerate() {
        assert_eq!(
            r.len(),
            w,
            "record {i} has {} fields, the header {w}: {r:?}",
            r.len()
        );
    }
}

#[test]
fn quoted_fields_with_delimiters_quotes_and_newlines_come_back_unchanged() {
    let rows: Vec<[&str; 3]> = vec![
        ["1", "Registered Nurse", "plain"],
        ["2", "Nurse, Registered", "comma, inside"],
        ["3", "Manager \"Ops\"", "say \"hi\""],
        ["4", "Software Engineer II", "two\nlines"],
        ["5", "  Sr. InfoSec Eng II  ", "crlf\r\ninside"],
        ["6", "Warehouse Associate - 2nd Shift", ""],
        ["7", "Data Scientist", "ends with quote\""],
        ["8", "Accountant", "\"starts with quote"],
    ];
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["id", "Job Title", "note"]).unwrap();
    for r in &rows {
        w.write_record(r).unwrap();
    }
    let input = w.into_inner().unwrap();
    let out = run(&input, "Job Title");
    assert_eq!(
        (
            out.summary.rows_in,
            out.summary.rows_out,
            out.summary.rows_error
        ),
        (8, 8, 0),
        "{}",
        out.errors
    );
    let recs = records(&out.text, b',');
    assert_rectangular(&recs);
    assert_eq!(&recs[0][3..], &APPENDED);
    assert_eq!(recs.len(), 9);
    let opts = BulkOptions::default().match_options;
    for (r, want) in recs[1..].iter().zip(&rows) {
        assert_eq!(
            &r[..3],
            want.map(str::to_string).as_slice(),
            "input columns unchanged and in order"
        );
        let m = common::engine().match_with(want[1].trim(), &opts);
        assert_eq!(r[3], m.role_code().unwrap_or(""), "row {}", want[0]);
        assert_eq!(r[9], m.match_type.as_str());
    }
}

#[test]
fn a_bom_is_skipped_for_the_header_and_kept_in_the_output() {
    let out = run(
        b"\xEF\xBB\xBFJob Title,id\nRegistered Nurse,1\n",
        "Job Title",
    );
    assert!(out.summary.bom);
    assert!(
        out.text.starts_with("\u{feff}Job Title,id,role_code,"),
        "{:?}",
        &out.text[..30]
    );
    let recs = records(out.text.trim_start_matches('\u{feff}'), b',');
    assert_eq!(recs[1][2], "RNU.GEN");
    // Detection sees through the BOM too.
    let auto = run_opts(
        b"\xEF\xBB\xBFJob Title\nRegistered Nurse\n",
        &BulkOptions::default(),
    )
    .unwrap();
    assert_eq!(auto.summary.column, "Job Title");
    assert!(auto.summary.column_detected);
}

#[test]
fn crlf_input_gives_crlf_output_and_titles_without_carriage_returns() {
    let out = run(
        b"id,title\r\n1,Registered Nurse\r\n2,Software Engineer\r\n",
        "title",
    );
    assert_eq!(out.summary.rows_out, 2);
    assert_eq!(out.text.matches("\r\n").count(), 3, "{:?}", out.text);
    assert!(!out.text.replace("\r\n", "").contains('\r'));
    let recs = records(&out.text, b',');
    assert_eq!(recs[1][1], "Registered Nurse");
    assert_eq!(recs[1][2], "RNU.GEN");
    assert_eq!(recs[2][2], "SWE.GEN");
    // LF stays LF.
    let lf = run(b"id,title\n1,Registered Nurse\n", "title");
    assert!(!lf.text.contains('\r'));
}

#[test]
fn an_empty_file_gives_an_empty_output() {
    for input in [&b""[..], b"\xEF\xBB\xBF"] {
        let out = run(input, "title");
        assert_eq!(out.text, "");
        assert_eq!((out.summary.rows_in, out.summary.rows_out), (0, 0));
        assert_eq!(
            out.errors, "line,row,kind,reason,raw\n",
            "the errors file always has its header"
        );
    }
    let json = run_opts(
        b"",
        &BulkOptions {
            format: Some(Format::Jsonl),
            ..BulkOptions::default()
        },
    )
    .unwrap();
    assert_eq!((json.text.as_str(), json.summary.rows_out), ("", 0));
}

#[test]
fn a_header_only_file_gives_the_header_with_the_appended_columns() {
    let out = run(b"id,Job Title\n", "Job Title");
    assert_eq!(out.summary.rows_out, 0);
    assert_eq!(out.text, format!("id,Job Title,{}\n", APPENDED.join(",")));
    // The column is still checked.
    let err = run_opts(
        b"id,Job Title\n",
        &BulkOptions {
            column: Column::Name("Title X".into()),
            ..BulkOptions::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");
}

#[test]
fn a_missing_column_is_an_error_listing_the_columns() {
    let input = b"Employee ID,Name,Job Title,Department\n1,Ann,Registered Nurse,Health\n";
    let err = run_opts(
        input,
        &BulkOptions {
            column: Column::Name("Position".into()),
            ..BulkOptions::default()
        },
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("\"Position\" not found"), "{msg}");
    assert!(
        msg.contains("1 \"Employee ID\", 2 \"Name\", 3 \"Job Title\", 4 \"Department\""),
        "{msg}"
    );
    let err = run_opts(
        input,
        &BulkOptions {
            column: Column::Index(4),
            ..BulkOptions::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("no column 5"), "{err}");
    let err = run_opts(b"id,name\n1,x\n", &BulkOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("no column looks like a job title"),
        "{err}"
    );

    // The CLI: exit code 2, the list on stderr, nothing on stdout.
    let dir = common::tempdir();
    std::fs::write(dir.path().join("e.csv"), input).unwrap();
    let o = common::run_in(dir.path(), &["normalize", "e.csv", "--column", "Job Titel"]);
    assert_eq!(o.status.code(), Some(2));
    let err = common::stderr(&o);
    assert!(
        err.contains("did you mean \"Job Title\"?") && err.contains("4 \"Department\""),
        "{err}"
    );
    assert_eq!(common::stdout(&o), "");
}

#[test]
fn an_invalid_utf8_row_is_written_as_an_error_and_listed_with_its_line() {
    let input = b"id,name,title\n1,Ann,Registered Nurse\n2,Jos\xe9,Software Engineer\n3,Bob,Data Scientist\n";
    let out = run(input, "title");
    assert_eq!(
        (
            out.summary.rows_in,
            out.summary.rows_out,
            out.summary.rows_error
        ),
        (3, 3, 1)
    );
    assert_eq!(out.summary.match_types.error, 1);
    let recs = records(&out.text, b',');
    assert_rectangular(&recs);
    assert_eq!(recs[2][..3], ["2", "Jos\u{fffd}", "Software Engineer"]);
    assert_eq!(recs[2][col(&recs[0], "match_type")], "error");
    assert_eq!(recs[2][col(&recs[0], "needs_review")], "true");
    assert_eq!(recs[2][col(&recs[0], "role_code")], "");
    assert_eq!(recs[1][col(&recs[0], "role_code")], "RNU.GEN");
    assert_eq!(recs[3][col(&recs[0], "match_type")], "exact");
    let errs = records(&out.errors, b',');
    assert_eq!(errs.len(), 2);
    assert_eq!(
        errs[1][..4],
        ["3", "2", "invalid_utf8", "invalid UTF-8 in column 2 (name)"]
    );
    assert_eq!(out.summary.errors[0].line, 3);
    assert_eq!(
        out.summary.errors_by_kind,
        vec![(ErrorKind::InvalidUtf8, 1)]
    );
    assert!(
        out.summary.hints.iter().any(|h| h.contains("iconv")),
        "{:?}",
        out.summary.hints
    );
}

#[test]
fn ragged_rows_are_written_header_wide_and_marked() {
    let input = b"id,title,dept\n1,Registered Nurse,Health\n2,Accountant\n3,Data Scientist,IT,extra,more\n4,Software Engineer,IT\n";
    let out = run(input, "title");
    assert_eq!((out.summary.rows_out, out.summary.rows_error), (4, 2));
    let recs = records(&out.text, b',');
    assert_rectangular(&recs);
    let mt = col(&recs[0], "match_type");
    let types: Vec<&str> = recs[1..].iter().map(|r| r[mt].as_str()).collect();
    assert_eq!(types, ["exact", "error", "error", "exact"]);
    assert_eq!(recs[2][..3], ["2", "Accountant", ""]);
    assert_eq!(recs[3][..3], ["3", "Data Scientist", "IT"]);
    let errs = records(&out.errors, b',');
    assert_eq!(
        errs[1][..4],
        ["3", "2", "field_count", "2 fields where the header has 3"]
    );
    assert_eq!(
        errs[2][..4],
        ["4", "3", "field_count", "5 fields where the header has 3"]
    );
    assert_eq!(
        errs[2][4], "3,Data Scientist,IT,extra,more",
        "the whole raw line is kept in the errors file"
    );
}

#[test]
fn an_unterminated_quote_costs_only_its_own_line() {
    let input = b"id,title\n1,\"Manager, Sales\n2,Registered Nurse\n3,\"Director, Operations\"\n4,Software Engineer\n";
    let out = run(input, "title");
    assert_eq!(
        (
            out.summary.rows_in,
            out.summary.rows_out,
            out.summary.rows_error
        ),
        (4, 4, 1)
    );
    let recs = records(&out.text, b',');
    assert_rectangular(&recs);
    let ids: Vec<&str> = recs[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4"]);
    assert_eq!(recs[1][col(&recs[0], "match_type")], "error");
    assert_eq!(recs[2][2], "RNU.GEN");
    assert_eq!(recs[3][1], "Director, Operations");
    assert_eq!(out.summary.errors[0].kind, ErrorKind::BadQuoting);
    assert_eq!(
        (out.summary.errors[0].line, out.summary.errors[0].row),
        (2, 1)
    );
    // Text after a closing quote is bad quoting too, on one line.
    let out = run(b"id,title\n1,\"Nurse\" RN\n2,Accountant\n", "title");
    assert_eq!(out.summary.rows_error, 1);
    assert!(out.summary.errors[0]
        .reason
        .contains("after the closing quote"));
}

#[test]
fn a_quote_that_never_closes_in_a_huge_file_does_not_hold_the_file() {
    // With a small record limit, the swallowed lines are read again one by one.
    let mut input = b"id,title\n1,\"never closed\n".to_vec();
    for i in 2..=2000 {
        input.extend_from_slice(format!("{i},Software Engineer {}\n", i % 4 + 1).as_bytes());
    }
    let opts = BulkOptions {
        column: Column::Name("title".into()),
        max_record_bytes: 2048,
        chunk_rows: 100,
        ..BulkOptions::default()
    };
    let out = run_opts(&input, &opts).unwrap();
    assert_eq!(
        (
            out.summary.rows_in,
            out.summary.rows_out,
            out.summary.rows_error
        ),
        (2000, 2000, 1)
    );
    let recs = records(&out.text, b',');
    let ids: Vec<u32> = recs[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(ids, (1..=2000).collect::<Vec<_>>());
}

#[test]
fn a_one_column_file_works() {
    let out = run(b"title\nRegistered Nurse\n\nSoftware Engineer\n", "title");
    assert_eq!(out.summary.rows_out, 2, "a blank line in CSV is not a row");
    let recs = records(&out.text, b',');
    assert_eq!(recs[0].len(), 11);
    assert_eq!(recs[1][..2], ["Registered Nurse", "RNU.GEN"]);
    assert_eq!(recs[2][..2], ["Software Engineer", "SWE.GEN"]);
}

#[test]
fn jsonl_lines_keep_their_bytes_and_bad_lines_are_error_rows() {
    let input = concat!(
        "{\"id\":1,\"title\":\"Registered Nurse\",\"x\":{\"y\":[1,2]}}\n",
        "\n",
        "{\"id\":2}\n",
        "not json at all\n",
        "{\"id\":3,\"title\":[\"a\"]}\n",
        "{\"id\":4,\"title\":null}\r\n",
        "{\"id\":5,\"title\":\"Software Engineer\"}"
    );
    let out = run(input.as_bytes(), "title");
    let s = &out.summary;
    assert_eq!(
        (s.rows_in, s.rows_out, s.rows_error, s.blank_lines),
        (6, 6, 3, 1)
    );
    let lines: Vec<&str> = out.text.lines().collect();
    assert_eq!(lines.len(), 6);
    assert!(lines[0].starts_with("{\"id\":1,\"title\":\"Registered Nurse\",\"x\":{\"y\":[1,2]},\"role_code\":\"RNU.GEN\""), "{}", lines[0]);
    let v: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect();
    let types: Vec<&str> = v
        .iter()
        .map(|o| o["match_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["exact", "error", "error", "error", "none", "exact"]);
    assert_eq!(v[2]["_raw"], "not json at all");
    assert_eq!(v[1]["id"], 2);
    assert_eq!(v[4]["confidence"], 0.0);
    assert_eq!(v[1]["confidence"], serde_json::Value::Null);
    assert_eq!(v[0]["needs_review"], false);
    let errs = records(&out.errors, b',');
    let kinds: Vec<(&str, &str)> = errs[1..]
        .iter()
        .map(|e| (e[0].as_str(), e[2].as_str()))
        .collect();
    assert_eq!(
        kinds,
        [("3", "missing_key"), ("4", "not_json"), ("5", "not_text")]
    );
}

#[test]
fn a_jsonl_key_that_no_object_has_is_an_error_listing_the_keys() {
    let err = run_opts(
        b"{\"id\":1,\"titel\":\"x\"}\n{\"id\":2,\"titel\":\"y\"}\n",
        &BulkOptions {
            column: Column::Name("title".into()),
            ..BulkOptions::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("1 \"id\", 2 \"titel\""), "{err}");
    // Detected, or by position.
    let auto = run_opts(
        b"{\"id\":1,\"job_title\":\"Registered Nurse\"}\n",
        &BulkOptions::default(),
    )
    .unwrap();
    assert_eq!(auto.summary.column, "job_title");
    let pos = run_opts(
        b"{\"id\":1,\"t\":\"Registered Nurse\"}\n",
        &BulkOptions {
            column: Column::Index(1),
            ..BulkOptions::default()
        },
    )
    .unwrap();
    assert!(pos.text.contains("\"role_code\":\"RNU.GEN\""));
}

#[test]
fn rows_and_order_are_kept_across_chunks_and_a_full_cache() {
    let titles = [
        "Registered Nurse",
        "Sr. InfoSec Eng II",
        "asdf qwerty",
        "",
        "Software Engineer II",
        "VP, Sales - EMEA",
        "Warehouse Associate",
        "Nurse, Registered",
    ];
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["n", "title"]).unwrap();
    let n = 3000;
    for i in 0..n {
        // A repeat pattern with a long tail of distinct titles.
        let t = if i % 5 == 4 {
            format!("Accountant {}", i % 97)
        } else {
            titles[(i * 7 + i / 13) % titles.len()].to_string()
        };
        w.write_record([i.to_string(), t]).unwrap();
    }
    let input = w.into_inner().unwrap();
    let opts = BulkOptions {
        column: Column::Name("title".into()),
        chunk_rows: 7,
        cache_entries: 20,
        ..BulkOptions::default()
    };
    let out = run_opts(&input, &opts).unwrap();
    let s = &out.summary;
    assert_eq!(
        (s.rows_in, s.rows_out, s.rows_error),
        (n as u64, n as u64, 0)
    );
    assert!(!s.unique_titles_exact, "the cache filled up");
    assert_eq!(
        s.empty_titles,
        (0..n)
            .filter(|i| i % 5 != 4 && titles[(i * 7 + i / 13) % titles.len()].is_empty())
            .count() as u64
    );
    let recs = records(&out.text, b',');
    assert_eq!(recs.len(), n + 1);
    let (rc, conf) = (col(&recs[0], "role_code"), col(&recs[0], "confidence"));
    let mut cache = std::collections::HashMap::new();
    for (i, r) in recs[1..].iter().enumerate() {
        assert_eq!(r[0], i.to_string(), "order kept");
        let m = cache
            .entry(r[1].clone())
            .or_insert_with(|| common::engine().match_with(&r[1], &opts.match_options));
        assert_eq!(r[rc], m.role_code().unwrap_or(""), "row {i} {:?}", r[1]);
        assert_eq!(r[conf], format!("{:.3}", m.confidence));
    }
    let counted = s.match_types.exact
        + s.match_types.alias
        + s.match_types.fuzzy
        + s.match_types.partial
        + s.match_types.none
        + s.match_types.error;
    assert_eq!(counted, s.rows_in);
    assert_eq!(
        s.bands.high + s.bands.medium + s.bands.low,
        s.rows_in - s.rows_error
    );
    assert_eq!(s.top_unmatched[0].title, "asdf qwerty");

    // With a large cache every distinct title is matched once.
    let once = run_opts(
        &input,
        &BulkOptions {
            cache_entries: 10_000,
            ..opts.clone()
        },
    )
    .unwrap();
    assert!(once.summary.unique_titles_exact);
    assert_eq!(once.summary.unique_titles, once.summary.titles_matched);
    let distinct: std::collections::HashSet<&str> = recs[1..].iter().map(|r| r[1].trim()).collect();
    assert_eq!(once.summary.unique_titles, distinct.len() as u64);
    assert_eq!(
        once.text, out.text,
        "the cache changes nothing in the output"
    );
}

#[test]
fn tsv_semicolons_and_files_without_a_header() {
    let tsv = run_opts(
        b"id\tJob Title\n1\tRegistered Nurse\n2\t\"Nurse\tRN\"\n",
        &BulkOptions::default(),
    )
    .unwrap();
    assert_eq!(tsv.summary.format, Some(Format::Tsv));
    let recs = records(&tsv.text, b'\t');
    assert_rectangular(&recs);
    assert_eq!(recs[1][2], "RNU.GEN");
    assert_eq!(recs[2][1], "Nurse\tRN");

    // Only the header line decides: semicolons in the rows do not.
    let plain = run_opts(
        b"Job Title\nRegistered Nurse;RN;x;y\n",
        &BulkOptions::default(),
    )
    .unwrap();
    assert_eq!(plain.summary.delimiter, Some(','));
    let semi = run_opts(
        b"id;Job Title;Dept\n1;Registered Nurse;Health, Care\n",
        &BulkOptions::default(),
    )
    .unwrap();
    assert_eq!(semi.summary.delimiter, Some(';'));
    let recs = records(&semi.text, b';');
    assert_eq!(
        recs[1][..4],
        ["1", "Registered Nurse", "Health, Care", "RNU.GEN"]
    );

    let bare = BulkOptions {
        has_header: false,
        column: Column::Index(1),
        ..BulkOptions::default()
    };
    let out = run_opts(
        b"1,Registered Nurse\n2,Software Engineer\n3,x,extra\n",
        &bare,
    )
    .unwrap();
    assert_eq!((out.summary.rows_out, out.summary.rows_error), (3, 1));
    let recs = records(&out.text, b',');
    assert_eq!(recs.len(), 3, "no header in, no header out");
    assert_eq!(recs[0][..3], ["1", "Registered Nurse", "RNU.GEN"]);
    let err = run_opts(
        b"1,x\n",
        &BulkOptions {
            column: Column::Index(5),
            ..bare.clone()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("column 6 does not exist"), "{err}");
}

#[test]
fn csv_can_be_written_as_jsonl_but_not_the_other_way() {
    let opts = BulkOptions {
        output_format: Some(Format::Jsonl),
        ..BulkOptions::default()
    };
    let out = run_opts(b"id,Job Title\n1,\"Nurse, Registered\"\n", &opts).unwrap();
    let v: serde_json::Value = serde_json::from_str(out.text.trim()).unwrap();
    assert_eq!(v["id"], "1");
    assert_eq!(v["Job Title"], "Nurse, Registered");
    assert_eq!(v["role_code"], "RNU.GEN");
    let err = run_opts(
        b"{\"title\":\"x\"}\n",
        &BulkOptions {
            output_format: Some(Format::Csv),
            ..BulkOptions::default()
        },
    )
    .unwrap_err();
    assert!(err
        .to_string()
        .contains("JSONL input can only be written as JSONL"));
}

#[test]
fn utf16_input_is_refused_with_advice() {
    let err = run_opts(b"\xFF\xFEi\0d\0", &BulkOptions::default()).unwrap_err();
    assert!(err.to_string().contains("iconv -f UTF-16"), "{err}");
}

#[test]
fn alternatives_are_appended_when_asked() {
    let opts = BulkOptions {
        match_options: MatchOptions {
            top: 2,
            soc_top: 1,
            explore: false,
            ladder: "general".into(),
        },
        ..BulkOptions::default()
    };
    let out = run_opts(b"title\n\"VP, Sales - EMEA\"\n", &opts).unwrap();
    let recs = records(&out.text, b',');
    assert_eq!(
        recs[0][11..],
        [
            "alt1_role_code",
            "alt1_role_name",
            "alt1_confidence",
            "alt2_role_code",
            "alt2_role_name",
            "alt2_confidence"
        ]
    );
    assert_rectangular(&recs);
    let m = common::engine().match_with("VP, Sales - EMEA", &opts.match_options);
    assert_eq!(
        recs[1][11],
        m.alternatives
            .first()
            .map(|a| a.role.code.as_str())
            .unwrap_or("")
    );
}

#[test]
fn the_review_hook_gets_the_low_confidence_titles_most_frequent_first() {
    let input = b"title\nqwxz analyst\nRegistered Nurse\nQWXZ Analyst \nzzgl\nqwxz analyst\n\n";
    let mut got: Vec<ReviewCandidate> = Vec::new();
    let mut sink = |c: Vec<ReviewCandidate>| {
        let n = c.len();
        got = c;
        Ok(n)
    };
    let hooks = Hooks {
        review: Some(&mut sink),
        ..Hooks::default()
    };
    let s = bulk::normalize_with(
        common::engine(),
        &input[..],
        std::io::sink(),
        &BulkOptions::default(),
        hooks,
    )
    .unwrap();
    assert_eq!(s.review_queued, Some(got.len() as u64));
    assert!(!got.is_empty());
    assert_eq!(
        got[0].count,
        3,
        "grouped by normalized title: {:?}",
        got.iter()
            .map(|c| (&c.normalized, c.count))
            .collect::<Vec<_>>()
    );
    assert_eq!(got[0].example, "qwxz analyst");
    assert!(got.iter().all(|c| c.matched.band != titlematch::Band::High));
    assert!(got.iter().all(|c| c.normalized != "registered nurse"));
}

/// Run the binary with `stdin` piped in.
fn pipe(dir: &std::path::Path, args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = Command::new(common::bin())
        .args(args)
        .current_dir(dir)
        .env_remove("TITLEMATCH_DATA")
        .env_remove("TITLEMATCH_INDEX")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let feeder = std::thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    out
}

#[test]
fn cli_reads_stdin_and_writes_stdout_in_a_pipe() {
    let dir = common::tempdir();
    let mut input = String::new();
    for i in 0..500 {
        input.push_str(&format!(
            "{{\"i\":{i},\"title\":\"{}\"}}\n",
            ["Registered Nurse", "Software Engineer", "zzqx"][i % 3]
        ));
    }
    let o = pipe(
        dir.path(),
        &["normalize", "-", "--column", "title", "--format", "jsonl"],
        input.as_bytes(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    let lines: Vec<serde_json::Value> = common::stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 500);
    assert!(lines.iter().enumerate().all(|(i, v)| v["i"] == i));
    assert_eq!(lines[0]["role_code"], "RNU.GEN");
    let err = common::stderr(&o);
    assert!(err.contains("500 in, 500 out"), "summary on stderr: {err}");
    assert!(
        !err.contains('\u{1b}'),
        "no progress bar without a terminal"
    );
    // Sniffed without --format; quiet prints nothing.
    let o = pipe(
        dir.path(),
        &["normalize", "-", "-q"],
        b"id,Job Title\n1,Registered Nurse\n",
    );
    assert_eq!(common::stderr(&o), "");
    assert!(common::stdout(&o).starts_with("id,Job Title,role_code"));
}

#[test]
fn cli_writes_files_errors_beside_the_output_and_summary_json() {
    let dir = common::tempdir();
    let input = b"Employee ID,Job Title\n1,Registered Nurse\n2,Bad \xff\n3\n4,Software Engineer\n";
    std::fs::write(dir.path().join("employees.csv"), input).unwrap();
    let o = common::run_in(
        dir.path(),
        &[
            "normalize",
            "employees.csv",
            "--column",
            "2",
            "-o",
            "employees.normalized.tsv",
            "--summary-json",
            "s.json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    assert_eq!(common::stdout(&o), "");
    let err = common::stderr(&o);
    assert!(
        err.contains("2 unreadable") && err.contains("employees.normalized.errors.csv"),
        "{err}"
    );
    let out = std::fs::read_to_string(dir.path().join("employees.normalized.tsv")).unwrap();
    let recs = records(&out, b'\t');
    assert_eq!(recs.len(), 5);
    assert_rectangular(&recs);
    let errs = std::fs::read_to_string(dir.path().join("employees.normalized.errors.csv")).unwrap();
    let errs = records(&errs, b',');
    assert_eq!(
        errs.iter()
            .skip(1)
            .map(|e| e[0].as_str())
            .collect::<Vec<_>>(),
        ["3", "4"]
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    assert_eq!(
        (
            s["rows_in"].as_u64(),
            s["rows_out"].as_u64(),
            s["rows_error"].as_u64()
        ),
        (Some(4), Some(4), Some(2))
    );
    assert_eq!(s["column"], "Job Title");
    assert!(s["rows_per_second"].as_f64().unwrap() > 0.0);
    assert!(
        std::fs::read_dir(dir.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp")),
        "no temporary file left"
    );

    // Re-running on its own output replaces the appended columns instead of repeating them.
    let o = common::run_in(
        dir.path(),
        &[
            "normalize",
            "employees.normalized.tsv",
            "-o",
            "again.tsv",
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    let again = std::fs::read_to_string(dir.path().join("again.tsv")).unwrap();
    assert_eq!(again.lines().next(), out.lines().next());
    assert_eq!(records(&again, b'\t').len(), 5);

    // Writing over the input is refused.
    let o = common::run_in(
        dir.path(),
        &["normalize", "employees.csv", "-o", "./employees.csv"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read(dir.path().join("employees.csv")).unwrap(),
        input
    );
}

#[test]
fn cli_queues_low_confidence_titles_and_uses_the_approved_ones() {
    let dir = common::tempdir();
    std::fs::write(
        dir.path().join("e.csv"),
        "id,title\n1,qwxz analyst\n2,QWXZ Analyst\n3,Registered Nurse\n",
    )
    .unwrap();
    let o = common::run_in(
        dir.path(),
        &[
            "normalize",
            "e.csv",
            "-o",
            "out.csv",
            "--queue-review",
            "--review-db",
            "r.db",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("review queue"),
        "{}",
        common::stderr(&o)
    );
    let db = dir.path().join("r.db");
    let mut store = titlematch::review::ReviewStore::open(&db).unwrap();
    let queued = store.list(&Default::default()).unwrap();
    let q: Vec<(&str, u64)> = queued.iter().map(|c| (c.title.as_str(), c.count)).collect();
    assert_eq!(
        q,
        [("qwxz analyst", 2)],
        "grouped by normalized title, counted per row"
    );

    // A reviewer maps it to a role; the next run uses that.
    let mut engine = titlematch::Engine::builtin().unwrap();
    let args = titlematch::review::ApproveArgs {
        role: Some("RNU.GEN".into()),
        ..titlematch::review::ApproveArgs::by("tester")
    };
    store.approve(queued[0].id, &args, &mut engine).unwrap();
    let o = common::run_in(
        dir.path(),
        &[
            "normalize",
            "e.csv",
            "-o",
            "out2.csv",
            "--review-db",
            "r.db",
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    let recs = records(
        &std::fs::read_to_string(dir.path().join("out2.csv")).unwrap(),
        b',',
    );
    let rc = col(&recs[0], "role_code");
    assert_eq!(
        recs.iter()
            .skip(1)
            .map(|r| r[rc].as_str())
            .collect::<Vec<_>>(),
        ["RNU.GEN", "RNU.GEN", "RNU.GEN"]
    );
    assert!(["exact", "alias"].contains(&recs[1][col(&recs[0], "match_type")].as_str()));
}

#[test]
fn a_lone_carriage_return_in_a_broken_quoted_field_does_not_add_a_row() {
    // Found by `any_bytes_give_a_rectangular_output`: a quote that swallows "\n\r" makes the
    // lines be read again one by one, and a lone CR ends a line there too.
    let out = run_opts(
        b"\n\na\n\"\n\r\",\n",
        &BulkOptions {
            column: Column::Index(0),
            delimiter: Some(b','),
            ..BulkOptions::default()
        },
    )
    .unwrap();
    assert_eq!(out.summary.rows_out, out.summary.rows_in);
    assert_eq!(
        records(&out.text, b',').len() as u64,
        out.summary.rows_out + 1
    );
}

fn arb_table() -> impl Strategy<Value = Vec<Vec<String>>> {
    let cell = prop_oneof![
        Just("Registered Nurse".to_string()),
        Just("Sr. InfoSec Eng II".to_string()),
        "[a-z ,\"\r\n;\t]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(10).collect()),
    ];
    (1usize..4).prop_flat_map(move |w| {
        prop::collection::vec(prop::collection::vec(cell.clone(), w), 1..12)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any table written as CSV comes back with the same cells, row for row.
    #[test]
    fn any_csv_table_round_trips(table in arb_table()) {
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        let header: Vec<String> = (0..table[0].len()).map(|i| format!("c{i}")).collect();
        w.write_record(&header).unwrap();
        for r in &table { w.write_record(r).unwrap(); }
        let input = w.into_inner().unwrap();
        let opts = BulkOptions { column: Column::Index(0), format: Some(Format::Csv), chunk_rows: 3, ..BulkOptions::default() };
        let out = run_opts(&input, &opts).unwrap();
        prop_assert_eq!(out.summary.rows_out, out.summary.rows_in);
        let recs = records(&out.text, b',');
        prop_assert_eq!(recs.len(), table.len() + 1);
        for (got, want) in recs[1..].iter().zip(&table) {
            prop_assert_eq!(&got[..want.len()], &want[..]);
        }
    }

    /// Any bytes at all: no panic, rows in = rows out, and a rectangular, parseable output.
    #[test]
    fn any_bytes_give_a_rectangular_output(bytes in prop::collection::vec(prop_oneof![Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b'a'), Just(0xff), any::<u8>()], 0..300)) {
        let opts = BulkOptions { column: Column::Index(0), format: Some(Format::Csv), delimiter: Some(b','), chunk_rows: 4, max_record_bytes: 64, ..BulkOptions::default() };
        let out = match run_opts(&bytes, &opts) {
            Ok(out) => out,
            Err(e) => {
                // Only a UTF-16 byte-order mark is refused outright.
                prop_assert!(bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]), "{}", e);
                return Ok(());
            }
        };
        prop_assert_eq!(out.summary.rows_out, out.summary.rows_in);
        if !out.text.is_empty() {
            let recs = records(&out.text, b',');
            prop_assert_eq!(recs.len() as u64, out.summary.rows_out + 1);
            let w = recs[0].len();
            prop_assert!(recs.iter().all(|r| r.len() == w));
        }
        let json = run_opts(&bytes, &BulkOptions { format: Some(Format::Jsonl), column: Column::Name("t".into()), ..BulkOptions::default() });
        if let Ok(json) = json {
            prop_assert_eq!(json.summary.rows_out, json.summary.rows_in);
            for l in json.text.lines() {
                prop_assert!(serde_json::from_str::<serde_json::Value>(l).is_ok(), "{}", l);
            }
        }
    }
}
