//! Collecting and reading manifest inputs: files, directories (recursive), stdin.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use palisade_core::{InputError, InputLimits};

/// An input to read.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file on disk.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

impl Source {
    /// Display name used in findings and errors.
    #[must_use]
    pub fn name(&self) -> Arc<str> {
        match self {
            Source::File(p) => Arc::from(p.display().to_string()),
            Source::Stdin => Arc::from("<stdin>"),
        }
    }
}

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Expand arguments: files as given, directories into their `*.yaml|*.yml|*.json` files (sorted,
/// hidden entries and symlinked directories skipped), `-` into stdin.
#[must_use]
pub fn collect(args: &[PathBuf]) -> (Vec<Source>, Vec<InputError>) {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            sources.push(Source::Stdin);
            continue;
        }
        match std::fs::metadata(arg) {
            Ok(m) if m.is_dir() => {
                let before = sources.len();
                // `./x.yaml` reads better as `x.yaml`.
                let root = if arg.as_os_str() == "." { Path::new("") } else { arg.as_path() };
                walk(arg, root, &mut sources, &mut errors);
                if sources.len() == before {
                    errors.push(InputError {
                        file: Arc::from(arg.display().to_string()),
                        line: 1,
                        message: "no *.yaml, *.yml or *.json files in this directory".into(),
                    });
                }
            }
            Ok(_) => sources.push(Source::File(arg.clone())),
            Err(e) => {
                errors.push(InputError {
                    file: Arc::from(arg.display().to_string()),
                    line: 1,
                    message: io_message(&e),
                });
            }
        }
    }
    (sources, errors)
}

/// Files below `dir`, named relative to `display_root` joined with their path below `dir`.
fn walk(dir: &Path, display_root: &Path, sources: &mut Vec<Source>, errors: &mut Vec<InputError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(InputError { file: Arc::from(dir.display().to_string()), line: 1, message: io_message(&e) });
            return;
        }
    };
    let mut names: Vec<std::ffi::OsString> = entries.filter_map(Result::ok).map(|e| e.file_name()).collect();
    names.sort();
    for name in names {
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = dir.join(&name);
        let shown = display_root.join(&name);
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            walk(&path, &shown, sources, errors);
        } else if path.extension().is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x))) {
            sources.push(Source::File(shown));
        }
    }
}

/// The size of an input in bytes, as far as known before reading it (0 for stdin or an error).
#[must_use]
pub fn size_hint(source: &Source) -> u64 {
    match source {
        Source::File(path) => std::fs::metadata(path).map_or(0, |m| m.len()),
        Source::Stdin => 0,
    }
}

/// Read an input within the size limit.
pub fn read(source: &Source, limits: &InputLimits) -> Result<Vec<u8>, InputError> {
    let name = source.name();
    let err = |message: String| InputError { file: name.clone(), line: 1, message };
    let too_large = || err(format!("input larger than the limit of {} bytes", limits.max_bytes));
    let mut buf = Vec::new();
    let result = match source {
        Source::File(path) => {
            let file = std::fs::File::open(path).map_err(|e| err(io_message(&e)))?;
            if file.metadata().map_or(0, |m| m.len()) > limits.max_bytes {
                return Err(too_large());
            }
            file.take(limits.max_bytes + 1).read_to_end(&mut buf)
        }
        Source::Stdin => std::io::stdin().lock().take(limits.max_bytes + 1).read_to_end(&mut buf),
    };
    match result {
        Ok(_) if buf.len() as u64 > limits.max_bytes => Err(too_large()),
        Ok(_) => Ok(buf),
        Err(e) => Err(err(io_message(&e))),
    }
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "is a directory".into(),
        _ => e.to_string().to_lowercase(),
    }
}
