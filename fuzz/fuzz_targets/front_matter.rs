//! Front matter as a build reads it: bytes decoded as a Markdown file is
//! (UTF-8, BOM dropped), cut at the `---` fences, then the YAML read into
//! `FrontMatter` with two taxonomies declared. Any input must give a value or
//! diagnostics, never a panic; a split must cut the text where it says, and
//! every diagnostic must point at a line of the file.
#![no_main]

use std::path::Path;

use kneading::load::config::Taxonomy;
use kneading::load::discover::decode_text;
use kneading::load::front_matter::{parse_front_matter, split};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("content/fuzz.md");
    let Ok(text) = decode_text(path, data.to_vec()) else {
        return;
    };
    // A file of N newlines has N + 1 lines an editor can show.
    let last_line = text.matches('\n').count() + 1;
    let parts = match split(path, &text) {
        Ok(parts) => parts,
        Err(diagnostic) => {
            assert!(diagnostic.line <= last_line, "{diagnostic}");
            return;
        }
    };
    assert_eq!(&text[parts.body_offset..], parts.body);
    let taxonomies = [
        Taxonomy {
            name: "tags".into(),
            slug: "tags".into(),
        },
        Taxonomy {
            name: "body_areas".into(),
            slug: "body-areas".into(),
        },
    ];
    if let Err(diagnostics) = parse_front_matter(path, &parts, &taxonomies) {
        assert!(!diagnostics.is_empty());
        for diagnostic in diagnostics {
            assert!(diagnostic.line <= last_line, "{diagnostic}");
        }
    }
});
