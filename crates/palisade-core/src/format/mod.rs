//! Renderings of a [`Report`](crate::report::Report).

mod json;
mod text;

pub use json::render_json;
pub use text::render_text;
