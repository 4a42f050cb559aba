//! What `get_url` and `get_page` look things up in, and the functions
//! themselves. `get_page` notes each page it returns, so that an edit of that
//! page renders the reading file again.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, PoisonError, RwLock};

use tera::{Kwargs, TeraResult, Value};

use super::values::ContextValues;
use crate::load::config::BaseUrl;
use crate::site::{OutputFiles, PageId, Site};
use crate::slug::slash_path;

thread_local! {
    /// The content paths `get_page` returned during the render running on
    /// this thread (Tera calls functions on the rendering thread).
    pub(super) static PAGES_READ: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// What `get_url` and `get_page` look things up in.
pub(super) struct Lookup {
    base: BaseUrl,
    /// Content path (`types/swedish.md`) → (site path, context value).
    /// Written only between renders, when an edit replaces values.
    pages: RwLock<HashMap<String, (String, Value)>>,
    /// The output's files that are not pages.
    files: Arc<OutputFiles>,
}

impl Lookup {
    pub(super) fn new(site: &Site, values: &ContextValues, files: Arc<OutputFiles>) -> Lookup {
        let pages = site
            .pages
            .iter()
            .enumerate()
            .map(|(id, p)| {
                (
                    slash_path(&p.rel_path),
                    (p.url.clone(), values.pages[id].clone()),
                )
            })
            .collect();
        Lookup {
            base: site.config.base_url.clone(),
            pages: RwLock::new(pages),
            files,
        }
    }

    pub(super) fn refresh(&self, site: &Site, values: &ContextValues, ids: &BTreeSet<PageId>) {
        let mut pages = self.pages.write().unwrap_or_else(PoisonError::into_inner);
        for &id in ids {
            let page = site.page(id);
            pages.insert(
                slash_path(&page.rel_path),
                (page.url.clone(), values.pages[id].clone()),
            );
        }
    }

    /// The site path and value of the page at `content_path`.
    fn page(&self, content_path: &str) -> TeraResult<(String, Value)> {
        let content_path = content_path.trim_start_matches('/');
        let pages = self.pages.read().unwrap_or_else(PoisonError::into_inner);
        pages
            .get(content_path)
            .cloned()
            .ok_or_else(|| tera::Error::message(format!("no page at content/{content_path}")))
    }
}

pub(super) fn get_url(lookup: &Lookup, kwargs: &Kwargs) -> TeraResult<String> {
    let path = kwargs.must_get::<&str>("path")?;
    if let Some(content_path) = path.strip_prefix("@/") {
        let (site_path, _) = lookup.page(content_path)?;
        return Ok(lookup.base.url(&site_path));
    }
    let site_path = format!("/{}", path.trim_start_matches('/'));
    let is_file = site_path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'));
    if is_file && !lookup.files.contains(&site_path) {
        return Err(tera::Error::message(format!(
            "get_url: no file {path:?} in static/, the theme's static/ or content/"
        )));
    }
    Ok(lookup.base.url(&site_path))
}

/// Also notes the path read, so that an edit of that page renders the
/// reading file again.
pub(super) fn get_page(lookup: &Lookup, kwargs: &Kwargs) -> TeraResult<Value> {
    let path = kwargs.must_get::<&str>("path")?;
    let content_path = path
        .strip_prefix("@/")
        .unwrap_or(path)
        .trim_start_matches('/');
    let (_, value) = lookup.page(content_path)?;
    PAGES_READ.with_borrow_mut(|read| read.push(content_path.to_string()));
    Ok(value)
}
