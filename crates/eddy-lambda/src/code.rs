//! Deployment packages: checking a zip before it is accepted, and extracting it.
//!
//! AWS accepts any zip and fails at the first invoke when the handler is missing; eddy
//! checks at CreateFunction/UpdateFunctionCode time instead (the issue asks for it: a bad
//! package should fail where the user uploads it), with `InvalidParameterValueException`.
//! Extraction refuses entries that would escape the code directory and caps the unzipped
//! size at AWS's 250 MB limit.

use crate::error::LambdaError;
use crate::model::RuntimeKind;
use std::io::{Cursor, Read};
use std::path::Path;

/// AWS's limit on the unzipped size of a package (250 MB).
pub const MAX_UNZIPPED_BYTES: u64 = 262_144_000;

/// AWS's message for a package that is not a zip.
pub const NOT_A_ZIP: &str =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

/// Opens `zip` and checks that it holds what `handler` needs for `kind`.
pub fn check(zip: &[u8], kind: RuntimeKind, handler: &str) -> Result<(), LambdaError> {
    let mut archive = open(zip)?;
    let mut names = Vec::with_capacity(archive.len());
    let mut total = 0u64;
    let mut bootstrap_mode = None;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|_| not_a_zip())?;
        total = total.saturating_add(entry.size());
        let raw = entry.name().map_err(|_| not_a_zip())?.into_owned();
        if entry.enclosed_name().is_none() {
            return Err(LambdaError::InvalidParameterValue(format!(
                "Invalid file name in the uploaded zip: {raw}"
            )));
        }
        let name = raw.trim_start_matches("./").to_string();
        if name == "bootstrap" {
            bootstrap_mode = Some(entry.unix_mode());
        }
        names.push(name);
    }
    if total > MAX_UNZIPPED_BYTES {
        return Err(LambdaError::InvalidParameterValue(format!(
            "Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes"
        )));
    }
    let has = |n: &str| names.iter().any(|x| x == n);
    match kind {
        RuntimeKind::Python => {
            let (module, _) = split_handler(handler)?;
            let path = module.replace('.', "/");
            let found = has(&format!("{path}.py"))
                || has(&format!("{path}.pyc"))
                || has(&format!("{path}/__init__.py"))
                || names
                    .iter()
                    .any(|n| n.starts_with(&format!("{path}.")) && n.ends_with(".so"));
            if !found {
                return Err(handler_missing(handler, &format!("{path}.py")));
            }
        }
        RuntimeKind::Node => {
            let (file, _) = split_handler(handler)?;
            let found = ["js", "mjs", "cjs"]
                .iter()
                .any(|ext| has(&format!("{file}.{ext}")));
            if !found {
                return Err(handler_missing(handler, &format!("{file}.js")));
            }
        }
        RuntimeKind::Provided => match bootstrap_mode {
            None => {
                return Err(LambdaError::InvalidParameterValue(
                    "The deployment package of a provided runtime must contain an executable file named 'bootstrap' at its root.".into(),
                ));
            }
            Some(Some(mode)) if mode & 0o111 == 0 => {
                return Err(LambdaError::InvalidParameterValue(
                    "The file 'bootstrap' in the deployment package is not executable (chmod +x bootstrap before zipping).".into(),
                ));
            }
            Some(_) => {}
        },
    }
    Ok(())
}

/// `module.function` → (`module`, `function`), split at the last dot.
pub fn split_handler(handler: &str) -> Result<(&str, &str), LambdaError> {
    match handler.rsplit_once('.') {
        Some((m, f)) if !m.is_empty() && !f.is_empty() => Ok((m, f)),
        _ => Err(LambdaError::InvalidParameterValue(format!(
            "Bad handler '{handler}': expected <module>.<function>"
        ))),
    }
}

fn handler_missing(handler: &str, file: &str) -> LambdaError {
    LambdaError::InvalidParameterValue(format!(
        "The handler file for '{handler}' was not found in the deployment package: expected '{file}' in the zip."
    ))
}

fn not_a_zip() -> LambdaError {
    LambdaError::InvalidParameterValue(NOT_A_ZIP.into())
}

fn open(zip: &[u8]) -> Result<zip::ZipArchive<Cursor<&[u8]>>, LambdaError> {
    zip::ZipArchive::new(Cursor::new(zip)).map_err(|_| not_a_zip())
}

/// Extracts `zip` into `dir` (which must not exist yet; it is created). Blocking.
/// File modes are kept; `bootstrap` is always made executable.
pub fn extract(zip: &[u8], dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).map_err(std::io::Error::other)?;
    std::fs::create_dir_all(dir)?;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(std::io::Error::other)?;
        let Some(rel) = entry.enclosed_name() else {
            continue;
        };
        let path = dir.join(&rel);
        if entry.is_dir() {
            std::fs::create_dir_all(&path)?;
            continue;
        }
        if entry.is_symlink() {
            // Symlinks could point outside the code directory; they are not extracted.
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut data = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry.read_to_end(&mut data)?;
        std::fs::write(&path, &data)?;
        let mut mode = entry.unix_mode().map_or(0o644, |m| m & 0o777) | 0o400;
        if rel == Path::new("bootstrap") {
            mode |= 0o755;
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A zip of `(name, content, mode)` entries.
    pub(crate) fn zip_of(files: &[(&str, &str, u32)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content, mode) in files {
            let opts = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
            w.start_file(*name, opts).unwrap_or_else(|e| panic!("{e}"));
            w.write_all(content.as_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        w.finish().unwrap_or_else(|e| panic!("{e}")).into_inner()
    }

    #[test]
    fn packages_need_their_handler_file() {
        let py = zip_of(&[("app.py", "def h(e, c): return 1", 0o644)]);
        assert!(check(&py, RuntimeKind::Python, "app.h").is_ok());
        let err = check(&py, RuntimeKind::Python, "other.h").err();
        assert!(
            matches!(err, Some(LambdaError::InvalidParameterValue(m)) if m.contains("other.py"))
        );
        let pkg = zip_of(&[("pkg/mod.py", "", 0o644)]);
        assert!(check(&pkg, RuntimeKind::Python, "pkg.mod.h").is_ok());
        assert!(check(&pkg, RuntimeKind::Python, "nodot").is_err());

        let js = zip_of(&[("index.mjs", "export const handler = 1", 0o644)]);
        assert!(check(&js, RuntimeKind::Node, "index.handler").is_ok());
        assert!(check(&js, RuntimeKind::Node, "main.handler").is_err());

        let boot = zip_of(&[("bootstrap", "#!/bin/sh\n", 0o755)]);
        assert!(check(&boot, RuntimeKind::Provided, "x").is_ok());
        let plain = zip_of(&[("bootstrap", "#!/bin/sh\n", 0o644)]);
        assert!(check(&plain, RuntimeKind::Provided, "x").is_err());
        assert!(check(&py, RuntimeKind::Provided, "x").is_err());
    }

    #[test]
    fn non_zips_get_the_aws_message() {
        let err = check(b"not a zip", RuntimeKind::Python, "a.b").err();
        assert_eq!(
            err,
            Some(LambdaError::InvalidParameterValue(NOT_A_ZIP.into()))
        );
    }

    #[test]
    fn extraction_keeps_modes_and_dirs() {
        use std::os::unix::fs::PermissionsExt;
        let zip = zip_of(&[
            ("bootstrap", "#!/bin/sh\n", 0o700),
            ("lib/x.txt", "x", 0o600),
        ]);
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = tmp.path().join("code");
        extract(&zip, &dir).unwrap_or_else(|e| panic!("{e}"));
        let mode = std::fs::metadata(dir.join("bootstrap")).map(|m| m.permissions().mode());
        assert_eq!(mode.ok().map(|m| m & 0o777), Some(0o755));
        assert_eq!(
            std::fs::read_to_string(dir.join("lib/x.txt"))
                .ok()
                .as_deref(),
            Some("x")
        );
    }
}
