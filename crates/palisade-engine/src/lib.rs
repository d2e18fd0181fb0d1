//! palisade-engine
