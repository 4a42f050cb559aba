//! Image headers: the pixel size of every image a page can show, read from
//! the file's header (an SVG's from its root element), so pages can give
//! `<img>` a `width` and `height` and browsers reserve the space before the
//! image arrives. A JPEG's EXIF orientation is applied, as browsers apply it.
//! Only headers are read here; decoding whole images for resizing is
//! `crate::images`' job, from bytes `read_image` hands it.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// What an image's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageHeader {
    /// The size as displayed (EXIF orientation applied); `None` for an SVG
    /// that states neither `width`/`height` nor a `viewBox`.
    pub size: Option<(u32, u32)>,
    pub format: ImageFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
    Webp,
    Svg,
    /// GIF, AVIF, BMP, ICO: sized, never resized.
    Other,
}

/// An image file and its header, or why the header could not be read.
#[derive(Debug, Clone)]
pub struct ImageFile {
    /// Relative to the site root (`content/types/photo.jpg`).
    pub source: PathBuf,
    pub header: Result<ImageHeader, String>,
}

/// Images by the path the caller keyed them with.
pub type ImageHeaders = BTreeMap<PathBuf, ImageFile>;

/// The extensions read as images (lowercase).
const IMAGE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "webp", "gif", "svg", "avif", "bmp", "ico",
];

/// Largest SVG read for its size: the root element is at the start.
const SVG_HEAD_BYTES: u64 = 64 * 1024;

pub fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The headers of the images among `files` (key → path relative to `root`),
/// read in parallel.
pub fn read_headers(root: &Path, files: Vec<(PathBuf, PathBuf)>) -> ImageHeaders {
    files
        .into_par_iter()
        .filter(|(_, source)| is_image(source))
        .map(|(key, source)| {
            let header = read_header(&root.join(&source));
            (key, ImageFile { source, header })
        })
        .collect()
}

pub fn read_header(path: &Path) -> Result<ImageHeader, String> {
    let is_svg = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if is_svg {
        let mut head = Vec::new();
        File::open(path)
            .and_then(|f| f.take(SVG_HEAD_BYTES).read_to_end(&mut head))
            .map_err(|e| e.to_string())?;
        let size = svg_size(&String::from_utf8_lossy(&head))?;
        return Ok(ImageHeader {
            size,
            format: ImageFormat::Svg,
        });
    }
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(file);
    let kind = imagesize::reader_type(&mut reader).map_err(describe)?;
    let size = kind.reader_size(&mut reader).map_err(describe)?;
    let format = match kind {
        imagesize::ImageType::Jpeg => ImageFormat::Jpeg,
        imagesize::ImageType::Png => ImageFormat::Png,
        imagesize::ImageType::Webp => ImageFormat::Webp,
        _ => ImageFormat::Other,
    };
    let (width, height) = (to_u32(size.width)?, to_u32(size.height)?);
    let size = if format == ImageFormat::Jpeg && swaps_sides(orientation(path)) {
        (height, width)
    } else {
        (width, height)
    };
    Ok(ImageHeader {
        size: Some(size),
        format,
    })
}

/// The whole file, for decoding.
pub fn read_image(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| e.to_string())
}

fn describe(err: imagesize::ImageError) -> String {
    match err {
        imagesize::ImageError::NotSupported => "not an image format knead reads".to_string(),
        imagesize::ImageError::CorruptedImage => "the image header is damaged".to_string(),
        imagesize::ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the file ends inside its header (damaged or cut short)".to_string()
        }
        imagesize::ImageError::IoError(e) => e.to_string(),
    }
}

fn to_u32(side: usize) -> Result<u32, String> {
    u32::try_from(side).map_err(|_| format!("a side of {side} pixels is too large"))
}

/// The EXIF orientation (1–8) of an image, 1 when it has none.
pub fn orientation(path: &Path) -> u32 {
    File::open(path)
        .ok()
        .and_then(|f| {
            exif::Reader::new()
                .read_from_container(&mut BufReader::new(f))
                .ok()
        })
        .as_ref()
        .and_then(orientation_of)
        .unwrap_or(1)
}

/// The EXIF orientation in `bytes` (a whole image file), 1 when it has none.
pub fn orientation_in(bytes: &[u8]) -> u32 {
    exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(bytes))
        .ok()
        .as_ref()
        .and_then(orientation_of)
        .unwrap_or(1)
}

fn orientation_of(exif: &exif::Exif) -> Option<u32> {
    exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?
        .value
        .get_uint(0)
}

/// Orientations 5 to 8 turn the image a quarter.
pub fn swaps_sides(orientation: u32) -> bool {
    (5..=8).contains(&orientation)
}

/// An SVG's size from its root element: `width` and `height` in pixels
/// (unitless or `px`), else the `viewBox`, one side scaled from the other
/// when only one is given. Percentages and other units are not pixels and
/// fall back to the `viewBox`.
fn svg_size(text: &str) -> Result<Option<(u32, u32)>, String> {
    let start = text
        .find("<svg")
        .ok_or("no <svg> element at the start of the file")?;
    let tag = &text[start + "<svg".len()..];
    let tag = &tag[..tag.find('>').ok_or("the <svg> tag is not closed")?];
    let attribute = |name: &str| attribute_value(tag, name);
    let pixels = |name: &str| {
        attribute(name).and_then(|v| {
            let v = v.trim();
            v.strip_suffix("px")
                .unwrap_or(v)
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n > 0.0)
        })
    };
    let view_box = attribute("viewBox").and_then(|v| {
        let numbers: Vec<f64> = v
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        match numbers[..] {
            [_, _, w, h] if w > 0.0 && h > 0.0 && w.is_finite() && h.is_finite() => Some((w, h)),
            _ => None,
        }
    });
    let size = match (pixels("width"), pixels("height"), view_box) {
        (Some(w), Some(h), _) => Some((w, h)),
        (Some(w), None, Some((vw, vh))) => Some((w, w * vh / vw)),
        (None, Some(h), Some((vw, vh))) => Some((h * vw / vh, h)),
        (_, _, view_box) => view_box,
    };
    Ok(size.map(|(w, h)| (round(w), round(h))))
}

fn round(side: f64) -> u32 {
    // Saturating: an absurd SVG size is the author's to fix, not a failure.
    side.round().clamp(1.0, f64::from(u32::MAX)) as u32
}

/// The value of attribute `name` (case-sensitive, as SVG is) in the inside
/// of a start tag.
fn attribute_value<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(rest.len());
        let (key, after) = rest.split_at(end);
        let after = after.trim_start();
        let Some(value) = after.strip_prefix('=') else {
            rest = after;
            continue;
        };
        let value = value.trim_start();
        let (found, next) = match value.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let close = value[1..].find(quote)?;
                (&value[1..=close], &value[close + 2..])
            }
            _ => {
                let end = value.find(char::is_whitespace).unwrap_or(value.len());
                (&value[..end], &value[end..])
            }
        };
        if key == name {
            return Some(found);
        }
        rest = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_size_from_width_height_and_view_box() {
        let size = |s: &str| svg_size(s).unwrap();
        assert_eq!(size(r#"<svg width="120" height="80px">"#), Some((120, 80)));
        assert_eq!(
            size(r#"<?xml?><svg viewBox="0 0 400 300">"#),
            Some((400, 300))
        );
        assert_eq!(
            size(r#"<svg width='200' viewBox="0,0,400,300">"#),
            Some((200, 150))
        );
        assert_eq!(
            size(r#"<svg width="100%" viewBox="0 0 40 30">"#),
            Some((40, 30))
        );
        assert_eq!(size(r#"<svg xmlns="http://www.w3.org/2000/svg">"#), None);
        assert!(svg_size("<html>").is_err());
    }
}
