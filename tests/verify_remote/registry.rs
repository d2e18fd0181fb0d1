//! A real OCI registry for the tests: Debian's `docker-registry` (CNCF distribution 2.8), started
//! on 127.0.0.1 at a free port with a temporary configuration and filesystem storage, stopped
//! when dropped. Distribution 2.8 has no OCI 1.1 referrers API, so Sigstore bundles are found
//! through the referrers tag fallback, as cosign publishes them to such registries.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running registry.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub host: String,
    _dir: tempfile::TempDir,
}

/// Where `docker-registry` is, if installed.
pub fn binary() -> Option<PathBuf> {
    let candidates =
        [std::env::var_os("PALISADE_REGISTRY").map(PathBuf::from), Some("/usr/bin/docker-registry".into())];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

/// A free loopback port (bound, then released; the registry binds it right after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

impl Registry {
    /// Start a registry; with `htpasswd`, it requires basic authentication.
    pub fn start(htpasswd: Option<&str>) -> Registry {
        let binary = binary().expect("docker-registry is installed");
        let dir = tempfile::tempdir().expect("registry directory");
        let port = free_port();
        let auth = match htpasswd {
            Some(line) => {
                std::fs::write(dir.path().join("htpasswd"), format!("{line}\n")).expect("htpasswd");
                format!(
                    "auth:\n  htpasswd:\n    realm: palisade-test\n    path: {}\n",
                    dir.path().join("htpasswd").display()
                )
            }
            None => String::new(),
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{auth}",
            dir.path().join("data").display()
        );
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).expect("registry config");
        let child = Command::new(binary)
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("log")).map_or(Stdio::null(), Stdio::from))
            .spawn()
            .expect("docker-registry starts");
        let registry = Registry { child, host: format!("127.0.0.1:{port}"), _dir: dir };
        registry.wait_ready();
        registry
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(&self.host).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("docker-registry did not listen on {} within 15 s", self.host);
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
