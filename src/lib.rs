//! kneading: a static site generator, one crate with one binary (`knead`)
//! behind this library. Data flows one way through the stages, each a folder
//! that takes the previous stage's values and returns new ones:
//!
//! 1. [`load`]: the only stage that reads the site: discovery of content,
//!    templates and static files, site.yaml and front matter.
//! 2. [`site`]: the site model: pages, sections, URLs, taxonomies.
//! 3. [`render`]: Markdown to HTML with every link resolved and checked, then
//!    anchors, backlinks and related pages.
//! 4. [`templates`]: template values and the queue of template renders;
//!    [`publish`]: the files knead generates (sitemap, feed, robots.txt, alias
//!    redirects, the search index).
//! 5. [`images`]: the resized copies of the images pages show and templates
//!    ask for (`resize_image`), made from bytes that load reads.
//! 6. [`output`]: the plan of every output file, and the only stage that
//!    writes: a staging folder swapped in whole, the build stamp, and the
//!    cache of resized images (outside the output, which is replaced whole).
//!
//! [`pipeline`] conducts them (`build`: check the output folder → load →
//! assemble → images → write). On top sit [`live`] (`knead serve`, `build --watch`,
//! incremental rebuilds, live reload) and [`tools`] (`check`, `init`, `new`,
//! `schema`). [`diagnostic`], [`names`] and [`slug`] serve every stage.
//!
//! A new stage goes into the folder of the stage it follows, or a new folder
//! between two, and is called from `pipeline`; nothing imports a later stage.

pub mod diagnostic;
pub mod images;
pub mod live;
pub mod load;
pub mod names;
pub mod output;
pub mod pipeline;
pub mod publish;
pub mod render;
pub mod site;
pub mod slug;
pub mod templates;
pub mod tools;
