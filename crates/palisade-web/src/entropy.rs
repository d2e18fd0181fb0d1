//! getrandom's custom backend (selected in `.cargo/config.toml`). Its only consumer is ahash,
//! which seeds the hash maps of jsonschema's validator (protection against hash flooding by
//! untrusted keys). Here the keys are the user's own settings in their own tab, so a fixed seed
//! is enough, and the component keeps zero imports (no JavaScript `crypto`).

/// Fill `len` bytes at `dest` with a fixed pattern.
#[allow(unsafe_code, reason = "getrandom's custom backend is an extern function taking a raw buffer")]
#[expect(clippy::unnecessary_wraps, reason = "the signature getrandom declares")]
#[unsafe(no_mangle)]
unsafe extern "Rust" fn __getrandom_v03_custom(dest: *mut u8, len: usize) -> Result<(), getrandom::Error> {
    // SAFETY: getrandom passes a valid, writable buffer of `len` bytes.
    let buf = unsafe { core::slice::from_raw_parts_mut(dest, len) };
    for (i, b) in buf.iter_mut().enumerate() {
        #[expect(clippy::cast_possible_truncation, reason = "a repeating byte pattern")]
        let byte = (i as u8).wrapping_mul(151).wrapping_add(0x5a);
        *b = byte;
    }
    Ok(())
}
