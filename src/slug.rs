//! Slugs: the lowercase ASCII names used in URLs and heading ids. Owns the one
//! slug rule of SPEC §5 (transliterate, lowercase, everything else becomes `-`);
//! callers decide what to do with an empty result; and the one normal form
//! (NFC) in which names are compared; and paths written with `/` on every
//! platform.

use std::path::Path;

/// `text` in Unicode NFC. macOS writes file names decomposed (NFD) while
/// editors type composed text (NFC): names that look the same are compared
/// in this one form.
pub fn nfc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfc().collect()
}

/// `"Übung 2: Palm Circling"` → `"ubung-2-palm-circling"`. Idempotent.
pub fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut slug = String::with_capacity(ascii.len());
    let mut pending_dash = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    slug
}

/// `types/swedish.md` on every platform: content paths, site paths and
/// template names (as Tera's `extends` and `include` take them) use `/`.
pub fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugify_transliterates_and_dashes() {
        assert_eq!(slugify("Übung 2: Palm Circling"), "ubung-2-palm-circling");
        assert_eq!(slugify("  Lower   Back "), "lower-back");
        assert_eq!(slugify("body_areas"), "body-areas");
        assert_eq!(slugify("Crème brûlée"), "creme-brulee");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn slugify_is_idempotent() {
        for text in ["Übung 2: Palm", "a--b", "-x-", "ÆØÅ", "日本語"] {
            let once = slugify(text);
            assert_eq!(slugify(&once), once, "{text}");
        }
    }
}
