//! What pages know about each other: backlinks, related, prev/next, ancestors;
//! taxonomy and term pages; aliases; URL collisions.
