//! Reading what an upgrade left behind: the modules' progress journal (JSON lines, one per
//! step) and, in a rehearsal, the simulator's events. [`journal`] reads and groups the
//! journal; [`summary`] renders the text summary the demo ends with; [`progress`] and
//! [`watch`] follow a running upgrade; [`report`] and [`html`] write the upgrade report, which
//! [`private_file`] writes 0600, as the journal is.

pub mod evidence;
pub mod html;
pub mod journal;
pub mod module;
pub mod private_file;
pub mod progress;
pub mod report;
pub mod summary;
pub mod watch;
