//! palisade-policies
