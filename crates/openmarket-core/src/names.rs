//! How users spell the variants of an enum on the command line: one
//! message for every unknown spelling.

use std::str::FromStr;

/// A user's spelling of one of `T`'s variants, or a message naming `what`
/// and the allowed spellings.
pub(crate) fn parse_named<T: FromStr + strum::VariantNames>(
    what: &str,
    s: &str,
) -> Result<T, String> {
    T::from_str(s).map_err(|_| format!("unknown {what} \"{s}\"; one of {}", T::VARIANTS.join(", ")))
}
