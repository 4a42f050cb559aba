//! Images in Markdown: sizes read from the files, lazy loading, figures with
//! captions, and unreadable images reported at the image.

use std::io::Cursor;

use image::{ImageFormat, RgbImage};

use crate::harness::{TestSite, error_lines, page, position_of};

/// An image file of `width`×`height` pixels in `format`, with a gradient so
/// that encoders have something to encode.
pub fn image_bytes(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let pixels = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
    });
    let mut bytes = Vec::new();
    pixels
        .write_to(&mut Cursor::new(&mut bytes), format)
        .expect("encode test image");
    bytes
}

/// A JPEG whose EXIF says to turn it by `orientation` (6: a quarter clockwise).
pub fn jpeg_with_orientation(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let jpeg = image_bytes(width, height, ImageFormat::Jpeg);
    // A big-endian TIFF header and one IFD entry: Orientation, SHORT, 1 value.
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    exif.extend_from_slice(&orientation.to_be_bytes());
    exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The `<img …>` tags of a page's output, in order, without the theme's.
fn img_tags(html: &str) -> Vec<&str> {
    html.match_indices("<img ")
        .map(|(at, _)| &html[at..at + html[at..].find('>').expect("closed tag") + 1])
        .collect()
}

#[test]
fn images_get_their_size_and_all_but_the_first_load_lazily() {
    let site = TestSite::new();
    site.bytes("content/p/a.png", &image_bytes(30, 20, ImageFormat::Png));
    site.bytes("content/p/b.jpg", &image_bytes(40, 10, ImageFormat::Jpeg));
    site.bytes("content/p/c.webp", &image_bytes(12, 34, ImageFormat::WebP));
    site.file(
        "content/p/d.svg",
        "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 300 150\"></svg>\n",
    );
    site.bytes("content/p/e.jpg", &jpeg_with_orientation(40, 10, 6));
    site.bytes("static/logo.png", &image_bytes(8, 9, ImageFormat::Png));
    site.file(
        "content/p/index.md",
        &page(
            "title: P",
            "![A](a.png) and ![B](b.jpg)\n\n![C](c.webp)\n\n![D](d.svg) ![E](e.jpg) ![L](/logo.png) ![X](https://example.org/x.png)\n",
        ),
    );
    site.build(&[]).assert_ok();
    let html = site.output("p/index.html");
    assert_eq!(
        img_tags(&html),
        [
            r#"<img src="/docs/p/a.png" alt="A" width="30" height="20" />"#,
            r#"<img src="/docs/p/b.jpg" alt="B" width="40" height="10" loading="lazy" decoding="async" />"#,
            r#"<img src="/docs/p/c.webp" alt="C" width="12" height="34" loading="lazy" decoding="async" />"#,
            r#"<img src="/docs/p/d.svg" alt="D" width="300" height="150" loading="lazy" decoding="async" />"#,
            // EXIF orientation 6 turns the 40×10 pixels upright: 10×40.
            r#"<img src="/docs/p/e.jpg" alt="E" width="10" height="40" loading="lazy" decoding="async" />"#,
            r#"<img src="/docs/logo.png" alt="L" width="8" height="9" loading="lazy" decoding="async" />"#,
            r#"<img src="https://example.org/x.png" alt="X" loading="lazy" decoding="async" />"#,
        ]
    );
}

#[test]
fn an_unreadable_image_is_an_error_at_the_image() {
    let site = TestSite::new();
    site.file("content/p/broken.png", "this is not a PNG\n");
    let body = "Text.\n\nSee ![a broken one](broken.png) here.\n";
    site.file("content/p/index.md", &page("title: P", body));
    let run = site.build(&[]);
    run.assert_code(1);
    let (line, col) = position_of(&page("title: P", body), "![a broken");
    assert_eq!(
        error_lines(&run),
        [format!(
            "content/p/index.md:{line}:{col}: error: cannot read the image content/p/broken.png: not an image format knead reads"
        )],
        "{}",
        run.stderr
    );
}

#[test]
fn a_titled_image_alone_in_its_paragraph_is_a_figure_with_a_markdown_caption() {
    let site = TestSite::new();
    site.bytes("content/p/a.png", &image_bytes(30, 20, ImageFormat::Png));
    site.file("content/q.md", &page("title: Q", "Q.\n"));
    site.file(
        "content/p/index.md",
        &page(
            "title: P",
            "![Hands](a.png \"The *back* spread, see [Q](../q.md)\")\n\n\
             Inline ![In](a.png \"Only a title\") here.\n\n\
             ![Untitled](a.png)\n",
        ),
    );
    site.build(&[]).assert_ok();
    let html = site.output("p/index.html");
    assert!(
        html.contains(
            "<figure><img src=\"/docs/p/a.png\" alt=\"Hands\" width=\"30\" height=\"20\" />\
             <figcaption>The <em>back</em> spread, see <a href=\"/docs/q/\">Q</a></figcaption></figure>"
        ),
        "{html}"
    );
    assert!(
        html.contains(
            "<p>Inline <img src=\"/docs/p/a.png\" alt=\"In\" title=\"Only a title\" width=\"30\""
        ),
        "{html}"
    );
    assert!(
        html.contains("<p><img src=\"/docs/p/a.png\" alt=\"Untitled\" width=\"30\" height=\"20\" loading=\"lazy\" decoding=\"async\" /></p>"),
        "{html}"
    );
    assert_eq!(html.matches("<figure>").count(), 1, "{html}");
}

#[test]
fn a_broken_link_in_a_caption_is_reported_at_its_image() {
    let site = TestSite::new();
    site.bytes("content/p/a.png", &image_bytes(3, 2, ImageFormat::Png));
    let body = "Intro.\n\n![Hands](a.png \"See [gone](gone.md)\")\n";
    site.file("content/p/index.md", &page("title: P", body));
    let run = site.build(&[]);
    run.assert_code(1);
    let (line, col) = position_of(&page("title: P", body), "![Hands]");
    let prefix = format!("content/p/index.md:{line}:{col}: error: no page at content/p/gone.md");
    assert!(
        error_lines(&run).iter().any(|l| l.starts_with(&prefix)),
        "{}",
        run.stderr
    );
}

/// A site with `images:` configured, base URL under a sub-path, and `photo.jpg`
/// (1200×800) on page p.
fn responsive_site() -> TestSite {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        "title: Test Site\nbase_url: https://example.org/docs/\ntheme: t\n\
         images: { widths: [480, 960, 1600], quality: 75, sizes: \"(min-width: 40rem) 40rem, 100vw\" }\n",
    );
    site.bytes(
        "content/p/photo.jpg",
        &image_bytes(1200, 800, ImageFormat::Jpeg),
    );
    site.file(
        "content/p/index.md",
        &page("title: P", "![A photo](photo.jpg \"A *caption*\")\n"),
    );
    site
}

/// Every file of the image cache with its modification time.
pub fn cache_files(site: &TestSite) -> Vec<(String, std::time::SystemTime)> {
    let mut files: Vec<_> = std::fs::read_dir(site.path(".knead-cache/images"))
        .map(|dir| {
            dir.flatten()
                .map(|e| {
                    let modified = e.metadata().and_then(|m| m.modified()).expect("mtime");
                    (e.file_name().to_string_lossy().into_owned(), modified)
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// After an edit of `p/index.md` ("Edited while watching."), the watcher
/// rebuilt the page and wrote no cached copy again (`before`: the cache's
/// files and modification times).
pub fn assert_rebuilt_from_the_cache(
    watch: &crate::harness::Watch,
    site: &TestSite,
    before: &[(String, std::time::SystemTime)],
) {
    let lines = watch.settle();
    assert!(lines.iter().any(|l| l.starts_with("built ")), "{lines:?}");
    assert!(
        site.output("p/index.html")
            .contains("Edited while watching.")
    );
    assert_eq!(
        cache_files(site),
        before,
        "cached copies were written again"
    );
}

#[test]
fn responsive_images_get_resized_copies_and_a_srcset_under_the_base_path() {
    let site = responsive_site();
    site.build(&[]).assert_ok();
    let html = site.output("p/index.html");
    assert!(
        html.contains(
            "<figure><img src=\"/docs/p/photo-1200w.jpg\" \
             srcset=\"/docs/p/photo-480w.jpg 480w, /docs/p/photo-960w.jpg 960w, /docs/p/photo-1200w.jpg 1200w\" \
             sizes=\"(min-width: 40rem) 40rem, 100vw\" alt=\"A photo\" width=\"1200\" height=\"800\" />\
             <figcaption>A <em>caption</em></figcaption></figure>"
        ),
        "{html}"
    );
    for (name, width, height) in [
        ("photo-480w.jpg", 480, 320),
        ("photo-960w.jpg", 960, 640),
        ("photo-1200w.jpg", 1200, 800),
    ] {
        let copy = image::open(site.path("output/p").join(name)).expect("a decodable copy");
        assert_eq!((copy.width(), copy.height()), (width, height), "{name}");
    }
    // Never enlarged: no 1600 copy of a 1200 image; the original is still copied.
    assert!(!site.output_exists("p/photo-1600w.jpg"));
    assert!(site.output_exists("p/photo.jpg"));
    assert_eq!(cache_files(&site).len(), 3);
}

#[test]
fn an_exif_rotated_photo_comes_out_upright_without_its_metadata() {
    let site = responsive_site();
    // Stored 1200×800 with "turn a quarter clockwise": shown 800×1200.
    site.bytes("content/p/photo.jpg", &jpeg_with_orientation(1200, 800, 6));
    site.build(&[]).assert_ok();
    let html = site.output("p/index.html");
    assert!(
        html.contains("srcset=\"/docs/p/photo-480w.jpg 480w, /docs/p/photo-800w.jpg 800w\""),
        "{html}"
    );
    assert!(html.contains("width=\"800\" height=\"1200\""), "{html}");
    let bytes = std::fs::read(site.path("output/p/photo-480w.jpg")).expect("copy");
    let copy = image::load_from_memory(&bytes).expect("decodable");
    assert_eq!((copy.width(), copy.height()), (480, 720));
    assert!(
        !bytes.windows(6).any(|w| w == b"Exif\0\0"),
        "the copy keeps the EXIF block"
    );
}

#[test]
fn a_second_build_re_encodes_nothing_and_unused_copies_are_removed() {
    let site = responsive_site();
    site.build(&[]).assert_ok();
    let first = cache_files(&site);
    assert_eq!(first.len(), 3);
    // An edited page makes a full build; the image is unchanged.
    std::thread::sleep(std::time::Duration::from_millis(20));
    site.file(
        "content/p/index.md",
        &page("title: P", "Edited.\n\n![A photo](photo.jpg)\n"),
    );
    site.build(&[]).assert_ok();
    assert_eq!(
        cache_files(&site),
        first,
        "cached copies were written again"
    );
    assert!(site.output_exists("p/photo-960w.jpg"));
    // A deleted source's copies leave the cache with it.
    site.file("content/p/index.md", &page("title: P", "No photo.\n"));
    site.remove("content/p/photo.jpg");
    site.build(&[]).assert_ok();
    assert_eq!(cache_files(&site), []);
    assert!(!site.output_exists("p/photo-960w.jpg"));
}

/// `knead serve` and `build --watch` rebuild through the same session.
#[test]
fn editing_a_page_with_images_while_watching_re_encodes_nothing() {
    let site = responsive_site();
    let watch = crate::harness::Watch::start(&site);
    let before = cache_files(&site);
    assert_eq!(before.len(), 3);
    std::thread::sleep(std::time::Duration::from_millis(20));
    site.file(
        "content/p/index.md",
        &page(
            "title: P",
            "Edited while watching.\n\n![A photo](photo.jpg)\n",
        ),
    );
    assert_rebuilt_from_the_cache(&watch, &site, &before);
}

/// A PNG that encodes like a photo: a gradient under deterministic noise, so
/// lossy encoders have detail to trade for size.
pub fn photo_bytes(width: u32, height: u32) -> Vec<u8> {
    let pixels = RgbImage::from_fn(width, height, |x, y| {
        let noise = (x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663))
            .wrapping_mul(2_654_435_761)
            >> 24;
        let shade = |base: u32| (base * 3 / 4 + noise / 4) as u8;
        image::Rgb([shade(x * 255 / width), shade(y * 255 / height), shade(128)])
    });
    let mut bytes = Vec::new();
    pixels
        .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
        .expect("encode test photo");
    bytes
}

/// A site whose page shows `photo.png` (800×600, photo-like) as WebP copies
/// 480 wide at `quality`.
fn webp_site(quality: u8) -> TestSite {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        &format!(
            "title: Test Site\nbase_url: https://example.org/\ntheme: t\n\
             images: {{ widths: [480], format: webp, quality: {quality} }}\n"
        ),
    );
    site.bytes("content/p/photo.png", &photo_bytes(800, 600));
    site.file(
        "content/p/index.md",
        &page("title: P", "![A photo](photo.png)\n"),
    );
    site
}

/// The kind of a WebP file: the first chunk after `RIFF….WEBP` (`VP8 ` is
/// lossy, `VP8L` lossless, `VP8X` extended).
pub fn webp_kind(bytes: &[u8]) -> String {
    assert!(bytes.len() > 16, "{} bytes", bytes.len());
    assert_eq!(&bytes[..4], b"RIFF", "not a RIFF file");
    assert_eq!(&bytes[8..12], b"WEBP", "not a WebP file");
    String::from_utf8_lossy(&bytes[12..16]).into_owned()
}

fn built_webp(quality: u8) -> Vec<u8> {
    let site = webp_site(quality);
    site.build(&[]).assert_ok();
    std::fs::read(site.path("output/p/photo-480w.webp")).expect("the WebP copy")
}

#[test]
fn webp_copies_are_lossy_at_the_quality_and_lossless_at_100() {
    let at_80 = built_webp(80);
    assert_eq!(webp_kind(&at_80), "VP8 ");
    let copy = image::load_from_memory(&at_80).expect("a decodable copy");
    assert_eq!((copy.width(), copy.height()), (480, 360));
    let at_30 = built_webp(30);
    assert_eq!(webp_kind(&at_30), "VP8 ");
    assert!(
        at_30.len() * 10 < at_80.len() * 8,
        "quality 30: {} bytes, quality 80: {} bytes",
        at_30.len(),
        at_80.len()
    );
    let at_100 = built_webp(100);
    assert_eq!(webp_kind(&at_100), "VP8L");
    assert!(at_100.len() > at_80.len());
}

#[test]
fn the_same_photo_and_settings_give_the_same_webp_bytes() {
    // Two sites, two caches: each encodes the copy itself.
    let (first, second) = (built_webp(80), built_webp(80));
    assert!(first == second, "two builds wrote different WebP copies");
}

/// knead before lossy WebP cached lossless copies under the same settings;
/// the version in the cache names keeps a newer knead from serving them.
#[test]
fn a_lossless_copy_cached_by_an_older_knead_is_not_reused() {
    let reference = webp_site(80);
    reference.build(&[]).assert_ok();
    let cached = cache_files(&reference);
    assert_eq!(cached.len(), 1);
    let name = &cached[0].0;
    assert!(name.ends_with("-webp-q80-v2.webp"), "{name}");
    // The name the previous version gave the same copy, holding what it made.
    let old_name = name.replace("-v2.webp", "-v1.webp");
    let lossless = built_webp(100);
    let site = webp_site(80);
    site.bytes(&format!(".knead-cache/images/{old_name}"), &lossless);
    site.build(&[]).assert_ok();
    let copy = std::fs::read(site.path("output/p/photo-480w.webp")).expect("copy");
    assert_eq!(webp_kind(&copy), "VP8 ");
    let names: Vec<String> = cache_files(&site).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, [name.as_str()], "the old copy is still cached");
}

#[test]
fn a_copy_webp_cannot_hold_is_an_error_naming_the_image() {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        "title: Test Site\nbase_url: https://example.org/\ntheme: t\n\
         images: { widths: [20000], format: webp }\n",
    );
    // Wider than WebP allows; copied at its own width, below the configured.
    site.bytes(
        "content/p/wide.png",
        &image_bytes(17_000, 1, ImageFormat::Png),
    );
    site.file(
        "content/p/index.md",
        &page("title: P", "![Wide](wide.png)\n"),
    );
    let run = site.build(&[]);
    run.assert_code(1);
    assert_eq!(
        error_lines(&run),
        [
            "content/p/wide.png: error: cannot make resized copies of content/p/wide.png: \
          cannot encode a 17000×1 copy as WebP, whose sides are at most 16383 pixels"
        ],
        "{}",
        run.stderr
    );
}
