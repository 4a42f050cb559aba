//! The contract between Markdown rendering and link resolution: the link
//! as the author wrote it, what to write instead, and the resolver that
//! decides. Components resolve their link arguments through the same
//! contract, so it sits below both.

/// A link or image destination as the author wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkRef<'a> {
    pub dest: &'a str,
    /// Byte offset of the link's first character (`[` or `!`) in the body.
    pub offset: usize,
    pub kind: LinkKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Link,
    Image,
    /// `[[target]]`, or `[[target|label]]` when `labelled`.
    Wiki {
        labelled: bool,
    },
}

/// What to write for a link instead of its destination as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub url: String,
    /// Replaces the link text: a wiki link without a label shows its target's title.
    pub label: Option<String>,
    /// For an image whose file knead has read: what `<img>` says of it.
    pub image: Option<ImageAttrs>,
}

/// The attributes of an `<img>` beyond `src`, `alt` and `title`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageAttrs {
    /// Pixels, as displayed; `None` for an SVG without a stated size.
    pub size: Option<(u32, u32)>,
    /// A responsive image's resized copies: `src` becomes the largest,
    /// with `srcset` and `sizes`.
    pub responsive: Option<Responsive>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Responsive {
    pub src: String,
    pub srcset: String,
    pub sizes: String,
}

/// Decides where links go. `None` leaves a link as written: external links, and
/// links the resolver has already reported as broken.
pub trait LinkResolver {
    fn resolve(&mut self, link: &LinkRef<'_>) -> Option<Resolution>;
}

impl<F: FnMut(&LinkRef<'_>) -> Option<Resolution>> LinkResolver for F {
    fn resolve(&mut self, link: &LinkRef<'_>) -> Option<Resolution> {
        self(link)
    }
}
