//! One module per subcommand, each a clap struct with `execute`.

pub mod check;
pub mod fetch;
pub mod playground;
pub mod policies;
pub mod serve;
pub mod verify;
pub mod verify_image;
