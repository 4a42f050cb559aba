//! Integration tests: one binary, a module per feature. Each test builds a small
//! fixture site in a temp dir with the real `knead` binary and asserts on the
//! output files and on the error text (which is part of the product).

mod harness;
mod incremental;

mod author_errors;
mod browser;
mod build_output;
mod bundled_site;
mod bundled_theme;
mod check;
mod citations;
mod components;
mod content_errors;
mod differential;
mod external_links;
mod faults;
mod git_dates;
mod highlight;
mod images;
mod init;
mod links;
mod load;
mod new_page;
mod pagination;
mod properties;
mod publish;
mod reading;
mod rebuilds;
mod resize_image;
mod review;
mod schema;
mod search;
mod serve;
mod site_graph;
mod theme_data;
