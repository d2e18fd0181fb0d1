//! Writing results: stdout or a file, never clobbering an input; broken pipes are not errors.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Where results go.
#[derive(Debug, Clone)]
pub enum Destination {
    /// Standard output.
    Stdout,
    /// A file, written atomically.
    File(PathBuf),
}

/// Whether to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl Destination {
    /// Resolve colour for this destination.
    pub fn ansi(&self, choice: ColorChoice) -> bool {
        match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                matches!(self, Destination::Stdout)
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }

    /// Refuse to write over one of the inputs.
    pub fn check_not_input(&self, inputs: &[PathBuf]) -> anyhow::Result<()> {
        if let Destination::File(out) = self {
            let out_canon = out.canonicalize().ok();
            for input in inputs {
                if out_canon.is_some() && input.canonicalize().ok() == out_canon {
                    bail!("refusing to overwrite input {} with the report", input.display());
                }
            }
        }
        Ok(())
    }

    /// Write `text`.
    pub fn write(&self, text: &str) -> anyhow::Result<()> {
        match self {
            Destination::Stdout => {
                let mut out = std::io::stdout().lock();
                match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                    other => other.context("writing to stdout"),
                }
            }
            Destination::File(path) => write_atomic(path, text),
        }
    }
}

fn write_atomic(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.palisade-{}.tmp", std::process::id()));
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}
