//! Responsive images, timed: 200 phone-sized JPEGs (4000×3000, EXIF-free,
//! generated here with noise so they encode like photos), each on its own
//! page, resized to 480, 960 and 1600 px. Times knead's first build (empty
//! cache), its build after a page edit (every image from the cache) and its
//! no-change build; then Hugo's, when `hugo` is on PATH, with the same widths
//! through `.Resize` in an image render hook (its second build reads its
//! resources/_gen cache).
//!
//!     cargo build --release && cargo bench --bench images -- [KNEAD] [WORKDIR]
//!
//! KNEAD defaults to target/release/knead, WORKDIR to /dev/shm/knead-images.
//! Run by hand, never by `cargo test`. Figures: docs/performance.md.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use image::{ImageEncoder, RgbImage, codecs::jpeg::JpegEncoder};
use rayon::prelude::*;

const PHOTOS: usize = 200;
const WIDTHS: [u32; 3] = [480, 960, 1600];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let knead = PathBuf::from(args.first().map_or("target/release/knead", String::as_str));
    let work = PathBuf::from(args.get(1).map_or("/dev/shm/knead-images", String::as_str));
    let photos = work.join("photos");
    generate_photos(&photos);
    let knead_site = work.join("knead");
    make_knead_site(&knead_site, &photos);
    println!("{PHOTOS} photos of 4000×3000, widths {WIDTHS:?}");
    let first = time(
        Command::new(&knead)
            .arg("build")
            .arg("--root")
            .arg(&knead_site),
    );
    touch_page(&knead_site.join("content/p000/index.md"));
    let cached = time(
        Command::new(&knead)
            .arg("build")
            .arg("--root")
            .arg(&knead_site),
    );
    let unchanged = time(
        Command::new(&knead)
            .arg("build")
            .arg("--root")
            .arg(&knead_site),
    );
    println!(
        "knead: first {first:.2?}, after an edit (cache) {cached:.2?} ({:.1} % of the first), no change {unchanged:.2?}",
        100.0 * cached.as_secs_f64() / first.as_secs_f64()
    );
    let hugo_version = Command::new("hugo").arg("version").output();
    let Ok(version) = hugo_version else {
        println!("hugo: not on PATH, skipped");
        return;
    };
    println!("{}", String::from_utf8_lossy(&version.stdout).trim());
    let hugo_site = work.join("hugo");
    make_hugo_site(&hugo_site, &photos);
    let hugo = |site: &Path| {
        let mut command = Command::new("hugo");
        command.arg("--quiet").arg("--source").arg(site);
        command
    };
    let first = time(&mut hugo(&hugo_site));
    touch_page(&hugo_site.join("content/p000/index.md"));
    let second = time(&mut hugo(&hugo_site));
    println!(
        "hugo: first {first:.2?}, after an edit (resources/_gen) {second:.2?} ({:.1} % of the first)",
        100.0 * second.as_secs_f64() / first.as_secs_f64()
    );
}

fn time(command: &mut Command) -> Duration {
    let started = Instant::now();
    let output = command.output().expect("run the build");
    assert!(
        output.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    started.elapsed()
}

/// Photos are made once per WORKDIR; a gradient with noise per pixel.
fn generate_photos(dir: &Path) {
    fs::create_dir_all(dir).expect("photo folder");
    (0..PHOTOS).into_par_iter().for_each(|n| {
        let path = dir.join(format!("photo{n:03}.jpg"));
        if path.exists() {
            return;
        }
        let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ n as u64;
        let pixels = RgbImage::from_fn(4000, 3000, |x, y| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state & 31) as u32;
            image::Rgb([
                ((x / 16 + noise) % 256) as u8,
                ((y / 12 + noise) % 256) as u8,
                ((x + y) / 28 % 256) as u8,
            ])
        });
        let mut bytes = Vec::new();
        JpegEncoder::new_with_quality(&mut bytes, 90)
            .write_image(&pixels, 4000, 3000, image::ExtendedColorType::Rgb8)
            .expect("encode photo");
        fs::write(&path, bytes).expect("write photo");
    });
}

fn fresh(dir: &Path) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir.join("content")).expect("site folder");
}

fn touch_page(page: &Path) {
    let mut text = fs::read_to_string(page).expect("page");
    text.push_str("\nEdited.\n");
    fs::write(page, text).expect("edit page");
}

fn make_knead_site(site: &Path, photos: &Path) {
    fresh(site);
    fs::write(
        site.join("site.yaml"),
        "title: Photos\nbase_url: https://example.org/\nimages: { widths: [480, 960, 1600], quality: 80 }\n",
    )
    .expect("site.yaml");
    fs::create_dir_all(site.join("templates")).expect("templates");
    for name in ["page.html", "section.html", "index.html"] {
        let body = if name == "page.html" {
            "page"
        } else {
            "section"
        };
        fs::write(
            site.join("templates").join(name),
            format!("<!doctype html><title>{{{{ {body}.title }}}}</title>{{{{ {body}.content | safe }}}}\n"),
        )
        .expect("template");
    }
    fs::write(site.join("content/_index.md"), "---\ntitle: Photos\n---\n").expect("home");
    write_pages(site, photos);
}

fn write_pages(site: &Path, photos: &Path) {
    for n in 0..PHOTOS {
        let folder = site.join(format!("content/p{n:03}"));
        fs::create_dir_all(&folder).expect("page folder");
        fs::copy(
            photos.join(format!("photo{n:03}.jpg")),
            folder.join("photo.jpg"),
        )
        .expect("copy photo");
        fs::write(
            folder.join("index.md"),
            format!("---\ntitle: Photo {n}\n---\n![Photo {n}](photo.jpg)\n"),
        )
        .expect("page");
    }
}

fn make_hugo_site(site: &Path, photos: &Path) {
    fresh(site);
    fs::write(
        site.join("hugo.toml"),
        "baseURL = 'https://example.org/'\ntitle = 'Photos'\ndisableKinds = ['taxonomy', 'term', 'RSS', 'sitemap']\n\
         [imaging]\nquality = 80\nresampleFilter = 'lanczos'\n",
    )
    .expect("hugo.toml");
    let layouts = site.join("layouts/_default");
    fs::create_dir_all(layouts.join("_markup")).expect("layouts");
    fs::write(
        layouts.join("single.html"),
        "<!doctype html><title>{{ .Title }}</title>{{ .Content }}\n",
    )
    .expect("single");
    fs::write(
        layouts.join("list.html"),
        "<!doctype html><title>{{ .Title }}</title>{{ .Content }}\n",
    )
    .expect("list");
    fs::write(
        layouts.join("_markup/render-image.html"),
        "{{ $img := .Page.Resources.GetMatch .Destination }}{{ $set := slice }}\
         {{ range slice 480 960 1600 }}{{ $r := $img.Resize (printf \"%dx jpg q80\" .) }}\
         {{ $set = $set | append (printf \"%s %dw\" $r.RelPermalink $r.Width) }}{{ end }}\
         <img src=\"{{ $img.RelPermalink }}\" srcset=\"{{ delimit $set \", \" }}\" alt=\"{{ .Text }}\">",
    )
    .expect("render hook");
    fs::write(site.join("content/_index.md"), "---\ntitle: Photos\n---\n").expect("home");
    write_pages(site, photos);
}
