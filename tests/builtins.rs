//! placeholder until the built-ins land
