//! hardening
