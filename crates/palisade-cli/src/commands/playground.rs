//! `palisade playground`: serve the built browser playground (`crates/playground/dist`, made by
//! `npm run build` there) on 127.0.0.1. A static file server: the page evaluates everything
//! itself, so nothing but files is ever requested.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

/// Serve the browser playground on 127.0.0.1.
#[derive(Debug, Args)]
pub struct PlaygroundArgs {
    /// Port to listen on, on 127.0.0.1 only (0: any free port).
    #[arg(long, value_name = "N", default_value_t = 8080)]
    port: u16,
    /// The built playground (`cd crates/playground && npm ci && npm run build`).
    #[arg(long, value_name = "DIR", env = "PALISADE_PLAYGROUND_DIR", default_value = "crates/playground/dist")]
    dir: PathBuf,
}

impl PlaygroundArgs {
    /// Run the subcommand: serve until interrupted.
    pub fn execute(self) -> anyhow::Result<u8> {
        if !self.dir.join("index.html").is_file() {
            bail!(
                "{} is not a built playground (no index.html); build it with `cd crates/playground && npm ci && npm run build`",
                self.dir.display()
            );
        }
        let root = self.dir.canonicalize().with_context(|| format!("reading {}", self.dir.display()))?;
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .with_context(|| format!("listening on 127.0.0.1:{}", self.port))?;
        let port = listener.local_addr()?.port();
        crate::output::Destination::Stdout.write(&format!("palisade playground at http://127.0.0.1:{port}/\n"))?;
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let root = root.clone();
            std::thread::spawn(move || {
                if let Err(e) = respond(stream, &root) {
                    tracing::debug!(target: "palisade_cli.playground", "request failed: {e}");
                }
            });
        }
        Ok(0)
    }
}

/// Answer one request (`Connection: close`).
fn respond(stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.by_ref().take(8192).read_line(&mut request_line)?;
    // Drain the headers (at most 100); nothing in them changes the answer.
    for _ in 0..100 {
        let mut line = String::new();
        if reader.by_ref().take(8192).read_line(&mut line)? == 0 || line.trim_end().is_empty() {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut out = stream;
    if method != "GET" && method != "HEAD" {
        return send(&mut out, "405 Method Not Allowed", "text/plain", b"method not allowed\n", true);
    }
    match resolve(root, target) {
        Some(path) => match std::fs::read(&path) {
            Ok(body) => send(&mut out, "200 OK", content_type(&path), &body, method == "GET"),
            Err(_) => send(&mut out, "404 Not Found", "text/plain", b"not found\n", true),
        },
        None => send(&mut out, "404 Not Found", "text/plain", b"not found\n", true),
    }
}

fn send(out: &mut TcpStream, status: &str, kind: &str, body: &[u8], with_body: bool) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {kind}\r\ncontent-length: {}\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n",
        body.len()
    );
    out.write_all(head.as_bytes())?;
    if with_body {
        out.write_all(body)?;
    }
    out.flush()
}

/// The file under `root` a request target names, if it is a plain path inside `root`.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    let path = percent_decode(path.strip_prefix('/')?)?;
    let relative = Path::new(&path);
    if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut file = root.join(relative);
    if path.is_empty() || path.ends_with('/') {
        file = file.join("index.html");
    }
    let file = file.canonicalize().ok()?;
    (file.starts_with(root) && file.is_file()).then_some(file)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "wasm" => "application/wasm",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("index.html"), "x").unwrap();
        std::fs::create_dir(root.join("a b")).unwrap();
        std::fs::write(root.join("a b/c.wasm"), "x").unwrap();
        assert_eq!(resolve(&root, "/"), Some(root.join("index.html")));
        assert_eq!(resolve(&root, "/index.html?x=1#s=abc"), Some(root.join("index.html")));
        assert_eq!(resolve(&root, "/a%20b/c.wasm"), Some(root.join("a b/c.wasm")));
        assert_eq!(resolve(&root, "/../etc/passwd"), None);
        assert_eq!(resolve(&root, "/a%20b/../index.html"), None);
        assert_eq!(resolve(&root, "/%2e%2e/x"), None);
        assert_eq!(resolve(&root, "/nope"), None);
        assert_eq!(resolve(&root, "http://x/"), None);
        assert_eq!(content_type(Path::new("x.wasm")), "application/wasm");
    }
}
