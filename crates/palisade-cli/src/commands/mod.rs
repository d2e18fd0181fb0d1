//! One module per subcommand, each a clap struct with `execute`.

pub mod check;
pub mod fetch;
pub mod playground;
pub mod policies;
pub mod serve;
pub mod verify;
pub mod verify_image;

/// `--now` if given, else the system clock, in Unix seconds.
pub(crate) fn now_or_system(now: Option<i64>) -> i64 {
    now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    })
}
