//! WebP copies through libwebp (`libwebp-sys`, built from its vendored C
//! source): lossy at a quality, as Hugo and Zola write them, since the
//! pure-Rust encoder of the `image` crate has no lossy mode; quality 100 is
//! lossless, for drawings and screenshots that must keep every pixel. The
//! simple API is used: libwebp's default settings, one thread, so the same
//! pixels and quality always give the same bytes.

use std::ffi::c_int;
use std::ptr;

use image::DynamicImage;
use libwebp_sys::{
    WebPEncodeLosslessRGB, WebPEncodeLosslessRGBA, WebPEncodeRGB, WebPEncodeRGBA, WebPFree,
};

/// The longest side a WebP image can have.
const MAX_SIDE: u32 = 16_383;

/// The quality that asks for lossless WebP.
pub const LOSSLESS: u8 = 100;

pub fn encode(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, String> {
    let (width, height) = (image.width(), image.height());
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!(
            "cannot encode a {width}×{height} copy as WebP, whose sides are at most {MAX_SIDE} pixels"
        ));
    }
    let alpha = image.color().has_alpha();
    let (pixels, channels) = if alpha {
        (image.to_rgba8().into_raw(), 4)
    } else {
        (image.to_rgb8().into_raw(), 3)
    };
    // Both fit: the sides are at most MAX_SIDE.
    let (w, h) = (width as c_int, height as c_int);
    let stride = w * channels;
    let rgb = pixels.as_ptr();
    let mut output: *mut u8 = ptr::null_mut();
    // SAFETY: `pixels` holds `h` rows of `stride` bytes and outlives the call;
    // libwebp allocates `output` (or leaves it null) and returns its length.
    let length = unsafe {
        match (alpha, quality >= LOSSLESS) {
            (false, true) => WebPEncodeLosslessRGB(rgb, w, h, stride, &mut output),
            (true, true) => WebPEncodeLosslessRGBA(rgb, w, h, stride, &mut output),
            (false, false) => WebPEncodeRGB(rgb, w, h, stride, f32::from(quality), &mut output),
            (true, false) => WebPEncodeRGBA(rgb, w, h, stride, f32::from(quality), &mut output),
        }
    };
    let bytes = (!output.is_null() && length > 0).then(|| {
        // SAFETY: libwebp wrote `length` bytes at `output`.
        unsafe { std::slice::from_raw_parts(output, length) }.to_vec()
    });
    // SAFETY: `output` came from libwebp's allocator (or is null, which it accepts).
    unsafe { WebPFree(output.cast()) };
    bytes.ok_or_else(|| format!("libwebp could not encode a {width}×{height} copy"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    /// Detail a lossy encoder cannot keep exactly.
    fn noise(width: u32, height: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
            let n = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729)).wrapping_mul(2_654_435_761);
            Rgb([
                (x * 4) as u8 ^ (n >> 24) as u8 & 0x1f,
                (y * 4) as u8,
                (n >> 16) as u8,
            ])
        }))
    }

    /// The first chunk after `RIFF....WEBP`.
    fn first_chunk(bytes: &[u8]) -> &[u8] {
        assert_eq!(&bytes[..4], b"RIFF");
        assert_eq!(&bytes[8..12], b"WEBP");
        &bytes[12..16]
    }

    #[test]
    fn below_100_is_lossy_and_100_is_lossless() {
        let image = noise(64, 48);
        assert_eq!(first_chunk(&encode(&image, 80).unwrap()), b"VP8 ");
        assert_eq!(first_chunk(&encode(&image, LOSSLESS).unwrap()), b"VP8L");
        let decoded = image::load_from_memory(&encode(&image, LOSSLESS).unwrap()).unwrap();
        assert_eq!(decoded.to_rgb8(), image.to_rgb8());
    }

    #[test]
    fn transparency_is_kept_in_lossy_copies() {
        let image = DynamicImage::ImageRgba8(RgbaImage::from_fn(32, 32, |x, y| {
            Rgba([x as u8 * 8, y as u8 * 8, 0, if x < 16 { 0 } else { 255 }])
        }));
        let bytes = encode(&image, 80).unwrap();
        // An extended file with an alpha chunk before the lossy frame.
        assert_eq!(first_chunk(&bytes), b"VP8X");
        assert!(bytes.windows(4).any(|w| w == b"ALPH"));
        assert!(bytes.windows(4).any(|w| w == b"VP8 "));
        let decoded = image::load_from_memory(&bytes).unwrap().to_rgba8();
        assert_eq!(decoded.get_pixel(0, 0)[3], 0);
        assert_eq!(decoded.get_pixel(31, 0)[3], 255);
    }

    #[test]
    fn a_side_over_the_limit_is_an_error_not_a_crash() {
        let image = DynamicImage::ImageRgb8(RgbImage::new(MAX_SIDE + 1, 1));
        let error = encode(&image, 80).unwrap_err();
        assert_eq!(
            error,
            "cannot encode a 16384×1 copy as WebP, whose sides are at most 16383 pixels"
        );
    }
}
