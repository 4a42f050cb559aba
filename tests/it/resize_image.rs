//! `resize_image` in templates: sizes for each `op`, URLs under a sub-path
//! `base_url`, the cache shared with responsive images, and errors at the
//! template's line.

use image::ImageFormat;

use crate::harness::{TestSite, page};
use crate::images::{
    assert_rebuilt_from_the_cache, cache_files, image_bytes, photo_bytes, webp_kind,
};

/// Calls `resize_image` from the page template, one line per call:
/// `<name>=<url> <width>x<height>`.
const PAGE_TEMPLATE: &str = "\
{% set fit = resize_image(path=\"img/photo.png\", width=100) %}fit={{ fit.url }} {{ fit.width }}x{{ fit.height }}
{% set tall = resize_image(path=\"/img/photo.png\", height=40, width=1000) %}tall={{ tall.url }} {{ tall.width }}x{{ tall.height }}
{% set fill = resize_image(path=\"img/photo.png\", width=100, height=100, op=\"fill\") %}fill={{ fill.url }} {{ fill.width }}x{{ fill.height }}
{% set scale = resize_image(path=\"img/photo.png\", width=50, height=70, op=\"scale\", format=\"webp\") %}scale={{ scale.url }} {{ scale.width }}x{{ scale.height }}
{% set thumb = resize_image(path=\"p/pic.jpg\", width=60, height=60, op=\"fill\") %}thumb={{ thumb.url }} {{ thumb.width }}x{{ thumb.height }}
{{ page.content | safe }}
";

fn resizing_site() -> TestSite {
    let site = TestSite::new();
    site.file("themes/t/templates/page.html", PAGE_TEMPLATE);
    site.bytes(
        "static/img/photo.png",
        &image_bytes(400, 200, ImageFormat::Png),
    );
    site.bytes(
        "content/p/pic.jpg",
        &image_bytes(300, 600, ImageFormat::Jpeg),
    );
    site.file("content/p/index.md", &page("title: P", "Words.\n"));
    site
}

/// `name=` line of the page: (url, "WxH").
fn call(site: &TestSite, name: &str) -> (String, String) {
    let html = site.output("p/index.html");
    let line = html
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name}= in:\n{html}"));
    let (url, size) = line.split_once(' ').expect("url and size");
    (url.to_string(), size.to_string())
}

/// The pixel size of the output file at `url` (under `/docs/`).
fn decoded_size(site: &TestSite, url: &str) -> (u32, u32) {
    let rel = url.strip_prefix("/docs/").expect("under the base path");
    let copy = image::open(site.path("output").join(rel)).expect("a decodable copy");
    (copy.width(), copy.height())
}

#[test]
fn fit_fill_and_scale_give_their_sizes_under_the_base_path() {
    let site = resizing_site();
    site.build(&[]).assert_ok();
    for (name, size, pixels, prefix, extension) in [
        ("fit", "100x50", (100, 50), "photo-100x50-fit-", ".png"),
        ("tall", "80x40", (80, 40), "photo-80x40-fit-", ".png"),
        ("fill", "100x100", (100, 100), "photo-100x100-fill-", ".png"),
        ("scale", "50x70", (50, 70), "photo-50x70-scale-", ".webp"),
        ("thumb", "60x60", (60, 60), "pic-60x60-fill-", ".jpg"),
    ] {
        let (url, written) = call(&site, name);
        assert_eq!(written, size, "{name}");
        let file = url
            .strip_prefix("/docs/processed_images/")
            .unwrap_or_else(|| panic!("{name}: {url}"));
        assert!(
            file.starts_with(prefix) && file.ends_with(extension),
            "{name}: {url}"
        );
        assert_eq!(decoded_size(&site, &url), pixels, "{name}");
    }
    // Fill crops the middle of the 400×200 gradient: its left edge is not
    // the source's darkest red.
    let (url, _) = call(&site, "fill");
    let rel = url.strip_prefix("/docs/").expect("base path");
    let fill = image::open(site.path("output").join(rel))
        .expect("decodable")
        .to_rgb8();
    let red = fill.get_pixel(0, 50).0[0];
    assert!((50..80).contains(&red), "left edge red {red}");
    // Shared with responsive images: one cache.
    assert_eq!(cache_files(&site).len(), 5);
}

#[test]
fn a_second_build_re_encodes_nothing() {
    let site = resizing_site();
    site.build(&[]).assert_ok();
    let first = cache_files(&site);
    assert_eq!(first.len(), 5);
    std::thread::sleep(std::time::Duration::from_millis(20));
    site.file("content/p/index.md", &page("title: P", "Edited.\n"));
    site.build(&[]).assert_ok();
    assert_eq!(
        cache_files(&site),
        first,
        "cached copies were written again"
    );
    let (url, _) = call(&site, "fill");
    assert_eq!(decoded_size(&site, &url), (100, 100));
    // A template that no longer asks for a copy: it leaves the output and the cache.
    site.file(
        "themes/t/templates/page.html",
        "{% set fit = resize_image(path=\"img/photo.png\", width=100) %}fit={{ fit.url }} {{ fit.width }}x{{ fit.height }}\n",
    );
    site.build(&[]).assert_ok();
    assert_eq!(cache_files(&site).len(), 1);
    let names: Vec<String> = std::fs::read_dir(site.path("output/processed_images"))
        .expect("processed images")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

/// `knead serve` and `build --watch` rebuild through the same session.
#[test]
fn editing_a_page_body_while_watching_re_encodes_nothing() {
    let site = resizing_site();
    let watch = crate::harness::Watch::start(&site);
    let before = cache_files(&site);
    assert_eq!(before.len(), 5);
    std::thread::sleep(std::time::Duration::from_millis(20));
    site.file(
        "content/p/index.md",
        &page("title: P", "Edited while watching.\n"),
    );
    assert_rebuilt_from_the_cache(&watch, &site, &before);
}

#[test]
fn bad_calls_are_template_errors_at_their_line() {
    let site = TestSite::new();
    site.bytes(
        "static/img/photo.png",
        &image_bytes(40, 20, ImageFormat::Png),
    );
    site.bytes("static/img/broken.png", b"not a png at all");
    site.file(
        "static/img/logo.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"></svg>\n",
    );
    site.file("content/p/index.md", &page("title: P", "Words.\n"));
    let cases = [
        (
            "path=\"img/missing.png\", width=10",
            "resize_image: no image \"img/missing.png\" in static/, the theme's static/ or content/",
        ),
        (
            "path=\"img/broken.png\", width=10",
            "resize_image: cannot read static/img/broken.png: ",
        ),
        (
            "path=\"img/logo.svg\", width=10",
            "resize_image: static/img/logo.svg: only JPEG, PNG and WebP images can be resized",
        ),
        (
            "path=\"img/photo.png\", width=10, op=\"crop\"",
            "resize_image: op \"crop\" is not one of fit, fill, scale",
        ),
        (
            "path=\"img/photo.png\", width=10, op=\"fill\"",
            "resize_image: op \"fill\" needs both `width` and `height`",
        ),
        (
            "path=\"img/photo.png\"",
            "resize_image: op \"fit\" needs `width`, `height` or both",
        ),
        (
            "path=\"img/photo.png\", width=0",
            "resize_image: width 0 is not between 1 and 10000",
        ),
        (
            "path=\"img/photo.png\", width=10, quality=0",
            "resize_image: quality 0 is not between 1 and 100",
        ),
        (
            "path=\"img/photo.png\", width=10, format=\"gif\"",
            "resize_image: static/img/photo.png: format \"gif\" is not one of original, jpeg, png, webp",
        ),
    ];
    for (args, message) in cases {
        site.file(
            "themes/t/templates/page.html",
            &format!(
                "title={{{{ page.title }}}}\n{{% set x = resize_image({args}) %}}{{{{ x.url }}}}\n"
            ),
        );
        let run = site.build(&[]);
        run.assert_code(1);
        let line = run
            .stderr
            .lines()
            .find(|l| l.contains(message))
            .unwrap_or_else(|| panic!("no {message:?} in:\n{}", run.stderr));
        assert!(
            line.starts_with("themes/t/templates/page.html:2:") && line.contains(": error: "),
            "{line}"
        );
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

/// A body edit whose page now asks for a copy no build has made: the
/// rebuild is a full one, which makes it.
#[test]
fn an_edit_that_asks_for_a_new_copy_while_watching_makes_it() {
    let site = resizing_site();
    site.file(
        "themes/t/templates/page.html",
        "{% if \"bigger\" in page.content %}{% set x = resize_image(path=\"img/photo.png\", width=200) %}{% else %}{% set x = resize_image(path=\"img/photo.png\", width=100) %}{% endif %}x={{ x.url }} {{ x.width }}x{{ x.height }}\n{{ page.content | safe }}\n",
    );
    let watch = crate::harness::Watch::start(&site);
    assert_eq!(call(&site, "x").1, "100x50");
    site.file(
        "content/p/index.md",
        &page("title: P", "A bigger picture.\n"),
    );
    let lines = watch.settle();
    assert!(lines.iter().any(|l| l.starts_with("built ")), "{lines:?}");
    let (url, size) = call(&site, "x");
    assert_eq!(size, "200x100");
    assert_eq!(decoded_size(&site, &url), (200, 100));
}

#[test]
fn webp_copies_are_lossy_and_lossless_at_quality_100() {
    let site = resizing_site();
    site.file(
        "themes/t/templates/page.html",
        "{% set lossy = resize_image(path=\"img/photo.png\", width=200, format=\"webp\", quality=60) %}lossy={{ lossy.url }} {{ lossy.width }}x{{ lossy.height }}
{% set exact = resize_image(path=\"img/photo.png\", width=200, format=\"webp\", quality=100) %}exact={{ exact.url }} {{ exact.width }}x{{ exact.height }}
",
    );
    site.bytes("static/img/photo.png", &photo_bytes(400, 200));
    site.build(&[]).assert_ok();
    let read = |name: &str| {
        let (url, size) = call(&site, name);
        assert_eq!(size, "200x100", "{name}");
        let rel = url.strip_prefix("/docs/").expect("under the base path");
        std::fs::read(site.path("output").join(rel)).expect("the copy")
    };
    assert_eq!(webp_kind(&read("lossy")), "VP8 ");
    assert_eq!(webp_kind(&read("exact")), "VP8L");
    assert_eq!(decoded_size(&site, &call(&site, "lossy").0), (200, 100));
}
