//! Image processing, between rendering and output: the resized copies of a
//! source image that pages and templates ask for (`render::links::ImageVariant`,
//! cropped first for `resize_image`'s `fill`), made from
//! the source's bytes. Pure: bytes in, bytes out; `load::images` reads the
//! source and `output::image_cache` keeps the results. The EXIF orientation
//! is applied to the pixels, and nothing of the source's metadata is carried
//! over, since the encoders write pixels only.

mod webp;

use std::io::Cursor;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageFormat};

use crate::load::config::ImageOutput;
use crate::load::images::orientation_in;
use crate::render::links::{Crop, ImageVariant};

/// Bumped when the bytes made for the same source and settings change, so
/// that caches made by an older knead are not used (2: WebP copies became
/// lossy, through libwebp).
pub const PROCESS_VERSION: u32 = 2;

/// The copies `variants` of the image in `bytes`, encoded, in order.
pub fn make_variants(bytes: &[u8], variants: &[&ImageVariant]) -> Result<Vec<Vec<u8>>, String> {
    let decoded = image::load_from_memory(bytes).map_err(|e| format!("cannot decode it: {e}"))?;
    let upright = orient(decoded, orientation_in(bytes));
    let mut resizer = Resizer::new();
    variants
        .iter()
        .map(|variant| {
            let resized = resize(&mut resizer, &upright, variant)?;
            encode(resized, variant.format, variant.quality)
        })
        .collect()
}

/// The pixels turned as EXIF `orientation` (1–8) says.
fn orient(image: DynamicImage, orientation: u32) -> DynamicImage {
    match orientation {
        2 => image.fliph(),
        3 => image.rotate180(),
        4 => image.flipv(),
        5 => image.rotate90().fliph(),
        6 => image.rotate90(),
        7 => image.rotate270().fliph(),
        8 => image.rotate270(),
        _ => image,
    }
}

fn resize(
    resizer: &mut Resizer,
    image: &DynamicImage,
    variant: &ImageVariant,
) -> Result<DynamicImage, String> {
    let (width, height) = (variant.width, variant.height);
    if (image.width(), image.height()) == (width, height) && variant.crop.is_none() {
        return Ok(image.clone());
    }
    // Lanczos3 on 8-bit RGB(A): what the resizer is fastest at, and sharp.
    let source = match image {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => image.clone(),
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    };
    let mut resized = DynamicImage::new(width, height, source.color());
    let mut options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    if let Some(crop) = variant.crop {
        let Crop {
            left,
            top,
            width,
            height,
        } = crop;
        options = options.crop(
            f64::from(left),
            f64::from(top),
            f64::from(width),
            f64::from(height),
        );
    }
    resizer
        .resize(&source, &mut resized, &options)
        .map_err(|e| format!("cannot resize it: {e}"))?;
    Ok(resized)
}

fn encode(image: DynamicImage, format: ImageOutput, quality: u8) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let written = match format {
        ImageOutput::Jpeg | ImageOutput::Original => {
            let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
            rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality))
        }
        ImageOutput::Png => image.write_to(&mut Cursor::new(&mut out), ImageFormat::Png),
        ImageOutput::Webp => return webp::encode(&image, quality),
    };
    written.map_err(|e| format!("cannot encode a resized copy: {e}"))?;
    Ok(out)
}
