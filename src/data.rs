//! Where the engine's data files come from: a folder on disk, or the copy built into the crate.
//!
//! The data is a set of text files (TOML, CSV, plain lists) named by their path relative to the
//! data folder (`roles/technology.toml`, `abbreviations.csv`, ...). Its content hash names the
//! build in the index manifest, so a change to any file triggers a rebuild.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_data.rs"));
}

/// The data files of one job architecture, by relative path.
#[derive(Debug, Clone)]
pub struct DataFiles {
    origin: String,
    files: BTreeMap<String, String>,
}

impl DataFiles {
    /// The data that was in `data/` when the crate was compiled.
    pub fn builtin() -> DataFiles {
        let files = builtin::FILES
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect();
        DataFiles {
            origin: "<built-in data>".into(),
            files,
        }
    }

    /// Read every `.toml`, `.csv`, `.txt` and `.tsv` file under `dir`.
    pub fn from_dir(dir: &Path) -> Result<DataFiles> {
        if !dir.is_dir() {
            return Err(Error::io(
                dir,
                std::io::Error::new(std::io::ErrorKind::NotFound, "data folder not found"),
            ));
        }
        let mut files = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let rd = std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))?;
            for entry in rd {
                let p = entry.map_err(|e| Error::io(&d, e))?.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
                if !matches!(ext, "toml" | "csv" | "txt" | "tsv") {
                    continue;
                }
                let bytes = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
                let rel = rel_name(dir, &p);
                let text = String::from_utf8(bytes).map_err(|e| {
                    Error::data(
                        &rel,
                        None,
                        "encoding",
                        format!(
                            "not UTF-8 (first bad byte at offset {})",
                            e.utf8_error().valid_up_to()
                        ),
                    )
                })?;
                files.insert(rel, text.trim_start_matches('\u{feff}').to_string());
            }
        }
        Ok(DataFiles {
            origin: dir.display().to_string(),
            files,
        })
    }

    /// A data set made of the given files (for tests and tools).
    pub fn from_files<I, P, C>(files: I) -> DataFiles
    where
        I: IntoIterator<Item = (P, C)>,
        P: Into<String>,
        C: Into<String>,
    {
        DataFiles {
            origin: "<in memory>".into(),
            files: files
                .into_iter()
                .map(|(p, c)| (p.into(), c.into()))
                .collect(),
        }
    }

    /// Replace or add one file (used by tests to try a broken file).
    pub fn with_file(mut self, path: &str, contents: &str) -> DataFiles {
        self.files.insert(path.to_string(), contents.to_string());
        self
    }

    /// Where the files came from, for messages.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// One file's text, if present.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// One required file's text.
    pub fn require(&self, path: &str) -> Result<&str> {
        self.get(path)
            .ok_or_else(|| Error::data(path, None, "file", format!("missing from {}", self.origin)))
    }

    /// The files under a folder (`"roles/"`), in path order.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.files
            .range(prefix.to_string()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// SHA-256 over every path and content, hex encoded.
    pub fn content_hash(&self) -> String {
        let mut h = Sha256::new();
        for (k, v) in &self.files {
            h.update(k.as_bytes());
            h.update([0]);
            h.update(v.as_bytes());
            h.update([0]);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn rel_name(dir: &Path, p: &Path) -> String {
    p.strip_prefix(dir)
        .map(PathBuf::from)
        .unwrap_or_else(|_| p.to_path_buf())
        .to_string_lossy()
        .replace('\\', "/")
}

/// Convert a byte offset in `text` to a 1-based line number.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Line numbers for many offsets in one text: the newline positions are found once.
#[derive(Debug)]
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    /// Index the lines of `text`.
    pub fn new(text: &str) -> Lines {
        Lines {
            starts: std::iter::once(0)
                .chain(
                    text.bytes()
                        .enumerate()
                        .filter(|(_, b)| *b == b'\n')
                        .map(|(i, _)| i + 1),
                )
                .collect(),
        }
    }

    /// 1-based line number of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}
