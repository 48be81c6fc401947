//! What the modules' options share: their serde defaults, and the one bound of every duration.
//! `#[serde(default = "defaults::seconds::<15>")]` keeps each default beside its option.

/// The longest duration any option takes (30 days, in seconds): a typo of a few zeros is
/// refused with Ansible's range message instead of waiting for weeks.
pub const MAX_SECONDS: f64 = 2_592_000.0;

pub fn yes() -> bool {
    true
}

/// `N` seconds.
pub fn seconds<const N: u32>() -> f64 {
    f64::from(N)
}
