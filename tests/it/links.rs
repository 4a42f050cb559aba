//! Links: every link form resolved and rewritten, and every broken link reported
//! at its position.
