//! `resize_image(path=…, width=…, height=…, op=…, format=…, quality=…)`:
//! a resized copy of a static or content image, for theme images and
//! thumbnails. The function reads no file: the size of the copy follows from
//! the image's header (read by loading) and the arguments, and so does its
//! URL. It records each copy asked for; the pipeline renders the templates
//! once to learn them before the image stage makes them (`PageRenderer::
//! find_image_requests`), so they are made, cached and planned like the
//! copies of responsive images.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use tera::{Kwargs, TeraResult, Value};

use crate::load::config::{BaseUrl, ImageOutput};
use crate::load::images::{ImageFile, ImageFormat};
use crate::names::{CONTENT_DIR, PROCESSED_IMAGES_DIR};
use crate::render::links::{Crop, ImageVariant};
use crate::site::Site;
use crate::slug::slash_path;
use crate::slug::slugify;

/// The largest side `resize_image` makes, so a typo cannot ask for gigapixels.
const MAX_SIDE: i64 = 10_000;

/// What `resize_image` looks images up in, and the copies it was asked for.
pub(super) struct ResizeImages {
    /// `img/logo.png` (under static/ or the theme's static/) and
    /// `types/photo.jpg` (under content/) → the image.
    images: HashMap<String, ImageFile>,
    /// Content images by their path under content/, for the ones whose
    /// static path is taken.
    content: HashMap<String, ImageFile>,
    base: BaseUrl,
    quality: u8,
    requests: Mutex<BTreeSet<ImageVariant>>,
}

impl ResizeImages {
    pub(super) fn new(site: &Site) -> ResizeImages {
        let images = site
            .images
            .iter()
            .filter(|(_, image)| !image.source.starts_with(CONTENT_DIR))
            .map(|(url, image)| (url.trim_start_matches('/').to_string(), image.clone()))
            .collect();
        let content = site
            .assets
            .iter()
            .filter_map(|asset| {
                let image = site.images.get(&asset.url)?;
                Some((slash_path(&asset.rel_path), image.clone()))
            })
            .collect();
        ResizeImages {
            images,
            content,
            base: site.config.base_url.clone(),
            quality: site.config.images.as_ref().map_or(80, |i| i.quality),
            requests: Mutex::default(),
        }
    }

    /// Every copy asked for so far.
    pub(super) fn requests(&self) -> Vec<ImageVariant> {
        let requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        requests.iter().cloned().collect()
    }

    pub(super) fn request_count(&self) -> usize {
        let requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        requests.len()
    }

    fn find(&self, path: &str) -> Option<&ImageFile> {
        let path = path.trim_start_matches('/');
        self.images.get(path).or_else(|| self.content.get(path))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Fit,
    Fill,
    Scale,
}

pub(super) fn resize_image(images: &ResizeImages, kwargs: &Kwargs) -> TeraResult<Value> {
    let fail = |message: String| tera::Error::message(format!("resize_image: {message}"));
    let path = kwargs.must_get::<&str>("path")?;
    let width = side(kwargs, "width")?;
    let height = side(kwargs, "height")?;
    let op = match kwargs.get::<&str>("op")?.unwrap_or("fit") {
        "fit" => Op::Fit,
        "fill" => Op::Fill,
        "scale" => Op::Scale,
        other => return Err(fail(format!("op {other:?} is not one of fit, fill, scale"))),
    };
    let image = images.find(path).ok_or_else(|| {
        fail(format!(
            "no image {path:?} in static/, the theme's static/ or content/"
        ))
    })?;
    let shown = image.source.display();
    let header = image
        .header
        .as_ref()
        .map_err(|reason| fail(format!("cannot read {shown}: {reason}")))?;
    let format = output_format(kwargs.get::<&str>("format")?, header.format)
        .map_err(|reason| fail(format!("{shown}: {reason}")))?;
    let Some(source_size) = header.size else {
        return Err(fail(format!("{shown} has no size")));
    };
    let (size, crop) = match (op, width, height) {
        (Op::Fit, None, None) => {
            return Err(fail("op \"fit\" needs `width`, `height` or both".into()));
        }
        (Op::Fit, width, height) => (fit(source_size, width, height), None),
        (Op::Fill, Some(width), Some(height)) => fill(source_size, (width, height)),
        (Op::Scale, Some(width), Some(height)) => ((width, height), None),
        (Op::Fill | Op::Scale, _, _) => {
            let name = if op == Op::Fill { "fill" } else { "scale" };
            return Err(fail(format!("op {name:?} needs both `width` and `height`")));
        }
    };
    let quality = match kwargs.get::<i64>("quality")? {
        None => images.quality,
        Some(q) => u8::try_from(q)
            .ok()
            .filter(|q| (1..=100).contains(q))
            .ok_or_else(|| fail(format!("quality {q} is not between 1 and 100")))?,
    };
    let variant = ImageVariant {
        source: image.source.clone(),
        output: output_path(&image.source, op, size, format, quality),
        width: size.0,
        height: size.1,
        format,
        quality,
        crop,
    };
    let url = images.base.url(&slash_path(&variant.output));
    images
        .requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(variant);
    let mut value = tera::Map::new();
    value.insert("url".into(), Value::from(url));
    value.insert("width".into(), Value::from(size.0));
    value.insert("height".into(), Value::from(size.1));
    Ok(Value::from(value))
}

/// `width` or `height`: pixels from 1 to `MAX_SIDE`, or not given.
fn side(kwargs: &Kwargs, key: &str) -> TeraResult<Option<u32>> {
    match kwargs.get::<i64>(key)? {
        None => Ok(None),
        Some(n) if (1..=MAX_SIDE).contains(&n) => Ok(u32::try_from(n).ok()),
        Some(n) => Err(tera::Error::message(format!(
            "resize_image: {key} {n} is not between 1 and {MAX_SIDE}"
        ))),
    }
}

/// `format` as asked (`original`, the default, keeps the source's).
fn output_format(asked: Option<&str>, source: ImageFormat) -> Result<ImageOutput, String> {
    let original = match source {
        ImageFormat::Jpeg => ImageOutput::Jpeg,
        ImageFormat::Png => ImageOutput::Png,
        ImageFormat::Webp => ImageOutput::Webp,
        ImageFormat::Svg | ImageFormat::Other => {
            return Err("only JPEG, PNG and WebP images can be resized".into());
        }
    };
    match asked.unwrap_or("original") {
        "original" => Ok(original),
        "jpeg" | "jpg" => Ok(ImageOutput::Jpeg),
        "png" => Ok(ImageOutput::Png),
        "webp" => Ok(ImageOutput::Webp),
        other => Err(format!(
            "format {other:?} is not one of original, jpeg, png, webp"
        )),
    }
}

/// `a × b / c`, rounded, at least 1.
fn scaled(a: u32, b: u32, c: u32) -> u32 {
    let (a, b, c) = (u64::from(a), u64::from(b), u64::from(c.max(1)));
    u32::try_from(((a * b + c / 2) / c).max(1)).unwrap_or(u32::MAX)
}

/// The largest size within `width` × `height` (either may be open) with
/// the source's proportions, never larger than the source.
fn fit((w, h): (u32, u32), width: Option<u32>, height: Option<u32>) -> (u32, u32) {
    let by_width = width.map(|width| (width, scaled(h, width, w)));
    let by_height = height.map(|height| (scaled(w, height, h), height));
    [by_width, by_height, Some((w, h))]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or((w, h))
}

/// Exactly `width` × `height`: the largest centred part of the source with
/// those proportions, resized.
fn fill((w, h): (u32, u32), (width, height): (u32, u32)) -> ((u32, u32), Option<Crop>) {
    let crop = if u64::from(w) * u64::from(height) > u64::from(h) * u64::from(width) {
        let crop_width = scaled(h, width, height).min(w);
        Crop {
            left: (w - crop_width) / 2,
            top: 0,
            width: crop_width,
            height: h,
        }
    } else {
        let crop_height = scaled(w, height, width).min(h);
        Crop {
            left: 0,
            top: (h - crop_height) / 2,
            width: w,
            height: crop_height,
        }
    };
    let whole = (crop.width, crop.height) == (w, h);
    ((width, height), (!whole).then_some(crop))
}

/// `processed_images/logo-200x100-fill-1a2b3c4d.png`: readable, and told
/// apart by a hash of the source's path and every setting.
fn output_path(
    source: &std::path::Path,
    op: Op,
    (width, height): (u32, u32),
    format: ImageOutput,
    quality: u8,
) -> PathBuf {
    let stem = source
        .file_stem()
        .map(|s| slugify(&s.to_string_lossy()))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "image".to_string());
    let op_name = format!("{op:?}").to_lowercase();
    let key = format!(
        "{}\0{op_name}\0{width}x{height}\0{format:?}\0{quality}",
        slash_path(source)
    );
    let hash = blake3::hash(key.as_bytes()).to_hex();
    let extension = match format {
        ImageOutput::Jpeg | ImageOutput::Original => "jpg",
        ImageOutput::Png => "png",
        ImageOutput::Webp => "webp",
    };
    PathBuf::from(PROCESSED_IMAGES_DIR).join(format!(
        "{stem}-{width}x{height}-{op_name}-{}.{extension}",
        &hash[..8]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_proportions_and_never_enlarges() {
        assert_eq!(fit((400, 200), Some(100), None), (100, 50));
        assert_eq!(fit((400, 200), None, Some(50)), (100, 50));
        assert_eq!(fit((400, 200), Some(100), Some(100)), (100, 50));
        assert_eq!(fit((400, 200), Some(300), Some(50)), (100, 50));
        assert_eq!(fit((400, 200), Some(800), None), (400, 200));
        assert_eq!(fit((3, 1000), Some(1), None), (1, 333));
    }

    #[test]
    fn fill_crops_the_middle() {
        let (size, crop) = fill((400, 200), (100, 100));
        assert_eq!(size, (100, 100));
        assert_eq!(
            crop,
            Some(Crop {
                left: 100,
                top: 0,
                width: 200,
                height: 200
            })
        );
        let (_, crop) = fill((200, 400), (100, 50));
        assert_eq!(
            crop,
            Some(Crop {
                left: 0,
                top: 150,
                width: 200,
                height: 100
            })
        );
        assert_eq!(fill((400, 200), (200, 100)), ((200, 100), None));
    }
}
