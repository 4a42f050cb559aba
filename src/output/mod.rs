//! Output: the plan of every file a build writes (`plan`), and the one stage
//! that writes (`write`): a staging folder beside the output folder, swapped
//! in whole, so a build is all-or-nothing; `stamp` records what a build read so
//! that an unchanged site is not written again; `progress` reports rendering
//! as files are written.

pub mod plan;
pub mod progress;
pub mod stamp;
pub mod write;
