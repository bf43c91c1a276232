//! Downloading and unpacking O*NET's text release (`db_29_3_text.zip`) into a folder.
//!
//! The release is one zip holding one folder (`db_29_3_text/`) of tab-separated `.txt` files.
//! [`download`] streams it to a file (HTTP or HTTPS, redirects followed, at most
//! [`MAX_DOWNLOAD_BYTES`]); [`install_zip`] unpacks the `.txt` files of that folder flat into the
//! target folder (at most [`MAX_UNPACKED_BYTES`] in all, no path outside the target), checks
//! that the result reads as an O*NET folder, and only then moves the files into place.

use super::onet::{OnetFiles, OnetInfo};
use crate::error::{Error, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The O*NET release fetched when none is named.
pub const DEFAULT_VERSION: &str = "29.3";

/// The largest download accepted (the text release is about 100 MB).
pub const MAX_DOWNLOAD_BYTES: u64 = 1 << 30;

/// The most the unpacked files may take in all (a guard against zip bombs).
pub const MAX_UNPACKED_BYTES: u64 = 4 << 30;

/// The URL of O*NET's text release for a version such as `29.3`.
///
/// ```
/// assert_eq!(
///     titlematch::soc::fetch::release_url("29.3").unwrap(),
///     "https://www.onetcenter.org/dl_files/database/db_29_3_text.zip"
/// );
/// assert!(titlematch::soc::fetch::release_url("latest").is_err());
/// ```
pub fn release_url(version: &str) -> Result<String> {
    let parts: Vec<&str> = version.split('.').collect();
    if parts.len() != 2
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Error::Invalid(format!(
            "O*NET version {version:?}: expected a release number such as {DEFAULT_VERSION}"
        )));
    }
    Ok(format!(
        "https://www.onetcenter.org/dl_files/database/db_{}_{}_text.zip",
        parts[0], parts[1]
    ))
}

/// Download `url` into the file `dest` (replaced when it exists). Returns the bytes written.
pub fn download(url: &str, dest: &Path) -> Result<u64> {
    let net = |e: ureq::Error| Error::io(PathBuf::from(url), std::io::Error::other(e.to_string()));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(std::time::Duration::from_secs(30)))
        .timeout_recv_body(Some(std::time::Duration::from_secs(600)))
        .user_agent(concat!("titlematch/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let resp = agent.get(url).call().map_err(net)?;
    let mut body = resp
        .into_body()
        .into_with_config()
        .limit(MAX_DOWNLOAD_BYTES)
        .reader();
    let part = dest.with_extension("part");
    let mut out = std::fs::File::create(&part).map_err(|e| Error::io(&part, e))?;
    let mut buf = vec![0u8; 1 << 16];
    let mut n: u64 = 0;
    loop {
        let got = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(g) => g,
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                return Err(Error::io(PathBuf::from(url), e));
            }
        };
        out.write_all(&buf[..got])
            .map_err(|e| Error::io(&part, e))?;
        n += got as u64;
    }
    out.flush().map_err(|e| Error::io(&part, e))?;
    drop(out);
    std::fs::rename(&part, dest).map_err(|e| Error::io(dest, e))?;
    Ok(n)
}

/// Unpack the O*NET text files of the zip at `zip_path` into `dir` (created when missing;
/// files of the same names are replaced). Returns what the installed folder holds.
pub fn install_zip(zip_path: &Path, dir: &Path) -> Result<OnetInfo> {
    let name = zip_path.display().to_string();
    let bad = |m: String| Error::data(&name, None, "zip", m);
    let file = std::fs::File::open(zip_path).map_err(|e| Error::io(zip_path, e))?;
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| bad(format!("not a readable zip: {e}")))?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let staging = dir.join(format!(".onet-unpack-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    let result = unpack(&mut zip, &staging, &bad).and_then(|names| {
        let info = OnetFiles::load(&staging)?.info;
        for n in &names {
            let (from, to) = (staging.join(n), dir.join(n));
            std::fs::rename(&from, &to).map_err(|e| Error::io(&to, e))?;
        }
        Ok(info)
    });
    let _ = std::fs::remove_dir_all(&staging);
    let mut info = result?;
    info.dir = std::fs::canonicalize(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .display()
        .to_string();
    Ok(info)
}

/// Extract the text files (flattening the release's one folder) into `to`; returns their names.
fn unpack(
    zip: &mut zip::ZipArchive<std::fs::File>,
    to: &Path,
    bad: &dyn Fn(String) -> Error,
) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| bad(format!("entry {i}: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        // `enclosed_name` refuses absolute paths and `..`: nothing lands outside the folder.
        let Some(path) = entry.enclosed_name() else {
            return Err(bad(format!("entry {:?} has an unsafe path", entry.name())));
        };
        let Some(file) = path
            .file_name()
            .and_then(|f| f.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "txt" | "tsv") || file.starts_with('.') || path.components().count() > 2 {
            continue;
        }
        if names.contains(&file) {
            return Err(bad(format!("two entries named {file:?}")));
        }
        let out_path = to.join(&file);
        let mut out = std::fs::File::create(&out_path).map_err(|e| Error::io(&out_path, e))?;
        let room = MAX_UNPACKED_BYTES.saturating_sub(total);
        let n = std::io::copy(&mut (&mut entry).take(room + 1), &mut out)
            .map_err(|e| Error::io(&out_path, e))?;
        total += n;
        if total > MAX_UNPACKED_BYTES {
            return Err(bad(format!(
                "unpacks to more than {MAX_UNPACKED_BYTES} bytes"
            )));
        }
        names.push(file);
    }
    if names.is_empty() {
        return Err(bad(
            "no .txt files in the zip (is this O*NET's text release?)".into(),
        ));
    }
    Ok(names)
}

/// Download O*NET's text release from `url` and install it into `dir`.
pub fn fetch(url: &str, dir: &Path) -> Result<(OnetInfo, u64)> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let zip_path = dir.join(format!(".onet-download-{}.zip", std::process::id()));
    let result = download(url, &zip_path).and_then(|n| install_zip(&zip_path, dir).map(|i| (i, n)));
    let _ = std::fs::remove_file(&zip_path);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_with(entries: &[(&str, &[u8])]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        let mut w = zip::ZipWriter::new(f.reopen().unwrap());
        for (name, body) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(body).unwrap();
        }
        w.finish().unwrap();
        f
    }

    #[test]
    fn installs_a_release_zip_and_refuses_bad_ones() {
        let occ: &[u8] =
            b"O*NET-SOC Code\tTitle\tDescription\r\n53-2021.00\tAir Traffic Controllers\tx\r\n";
        let alt: &[u8] = b"O*NET-SOC Code\tAlternate Title\tShort Title\tSource(s)\r\n53-2021.00\tTower Controller\tn/a\t08\r\n";
        let rep: &[u8] = b"O*NET-SOC Code\tReported Job Title\tShown in My Next Move\r\n53-2021.00\tController\tY\r\n";
        let good = zip_with(&[
            ("db_9_9_text/Occupation Data.txt", occ),
            ("db_9_9_text/Alternate Titles.txt", alt),
            ("db_9_9_text/Sample of Reported Titles.txt", rep),
            ("db_9_9_text/Read Me.txt", b"O*NET 9.9 Database\r\n"),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let info = install_zip(good.path(), dir.path()).unwrap();
        assert_eq!(
            (
                info.version.as_str(),
                info.occupations,
                info.alternate_titles,
                info.reported_titles
            ),
            ("O*NET 9.9 Database", 1, 1, 1)
        );
        assert!(dir.path().join("Alternate Titles.txt").is_file());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            4,
            "no staging folder left behind"
        );

        let incomplete = zip_with(&[("db/Occupation Data.txt", occ)]);
        let other = tempfile::tempdir().unwrap();
        let e = install_zip(incomplete.path(), other.path())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("Alternate Titles") && e.contains("missing"),
            "{e}"
        );
        assert_eq!(
            std::fs::read_dir(other.path()).unwrap().count(),
            0,
            "nothing installed from a bad zip"
        );

        let evil = zip_with(&[("../../evil.txt", occ)]);
        let e = install_zip(evil.path(), other.path())
            .unwrap_err()
            .to_string();
        assert!(e.contains("unsafe path"), "{e}");

        let not_zip = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(not_zip.path(), b"<html>404</html>").unwrap();
        let e = install_zip(not_zip.path(), other.path())
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a readable zip"), "{e}");
    }
}
