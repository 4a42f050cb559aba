//! Output: the plan of every file a build writes (`plan`), and the one stage
//! that writes (`write`): a staging folder beside the output folder, swapped
//! in whole, so a build is all-or-nothing; `stamp` records what a build read so
//! that an unchanged site is not written again; `progress` reports rendering
//! as files are written; `swap` puts a finished build in place (or updates a
//! folder that cannot be renamed in place); `fault` is the tests' seam for
//! kills and full disks at chosen moments. `image_cache` keeps resized images
//! between builds, outside the output.

pub mod fault;
pub mod image_cache;
pub mod plan;
pub mod progress;
pub mod stamp;
pub mod swap;
pub mod write;
