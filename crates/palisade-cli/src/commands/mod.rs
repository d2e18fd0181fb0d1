//! One module per subcommand, each a clap struct with `execute`.

pub mod check;
pub mod fetch;
pub mod policies;
pub mod verify;
pub mod verify_image;
