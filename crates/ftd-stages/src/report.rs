//! Turning what a stage saw into the module's result: the unit's identity on every result,
//! and failure messages that name the unit, the stage, what was seen and what to do next.

use ansible_module::ModuleResult;
use ftd_device::DeviceError;
use ftd_device::journal::Journal;
use ftd_device::ops::facts::Identity;
use ftd_device::ops::{OpError, Timeline};
use ftd_device::version::Version;
use serde_json::json;

/// `fw-1-b [install]: ...`
pub fn prefix(unit: &str, stage: &str) -> String {
    format!("{unit} [{stage}]")
}

pub fn fail(unit: &str, stage: &str, error: &OpError) -> ModuleResult {
    let hint = match error {
        OpError::Device(e) => device_hint(e),
        OpError::Refused(_) => "Nothing was changed on the unit.",
        OpError::Failed(_) => "",
        OpError::TimedOut(_) => "",
    };
    let msg = format!(
        "{}: {error}{}{hint}",
        prefix(unit, stage),
        if hint.is_empty() { "" } else { ". " }
    );
    let mut r = ModuleResult::fail(msg.trim_end().to_string());
    r.set("stage", stage);
    r.set("error_kind", kind(error));
    r
}

fn kind(error: &OpError) -> &'static str {
    match error {
        OpError::Device(
            DeviceError::AuthFailed { .. }
            | DeviceError::PasswordRejected { .. }
            | DeviceError::PasswordChangeRequired { .. },
        ) => "auth",
        OpError::Device(
            DeviceError::HostKeyUnknown { .. } | DeviceError::HostKeyChanged { .. },
        ) => "host_key",
        OpError::Device(DeviceError::AlgorithmMismatch { .. }) => "ssh_algorithms",
        OpError::Device(e) if e.is_unreachable() => "unreachable",
        OpError::Device(_) => "device",
        OpError::Refused(_) => "refused",
        OpError::Failed(_) => "failed",
        OpError::TimedOut(_) => "timeout",
    }
}

fn device_hint(e: &DeviceError) -> &'static str {
    match e {
        DeviceError::AlgorithmMismatch { .. } => {
            "Align the unit's SSH algorithms with this client's (it offers the NIST-curve key exchanges, AES-CTR/GCM and SHA-2 MACs that FIPS and Common Criteria modes allow); waiting will not help"
        }
        DeviceError::AuthFailed { .. } => {
            "Check the username and password (the device locks a user out after three failed logins)"
        }
        // The option by name: the action plugin adds the inventory variable it came from.
        DeviceError::PasswordRejected { what: "enable", .. } => "Check enable_password",
        DeviceError::PasswordRejected { .. } => "Check sudo_password",
        DeviceError::Unreachable { .. }
        | DeviceError::Dropped { .. }
        | DeviceError::SshTimeout { .. } => {
            "Check the address and port; if the unit is rebooting, run wait_reboot"
        }
        DeviceError::Timeout { .. } => {
            "The device did not answer in time; raise command_timeout if it is slow"
        }
        DeviceError::Parse(_) => {
            "The device printed something this module does not understand; nothing was changed after it"
        }
        _ => "",
    }
}

/// The unit's identity on the result, and as the host fact `ftd_unit`: whichever stage read
/// the unit last, the playbook's next decision reads its live state without a gather of its own.
///
/// The playbooks decide on what the modules computed, never on strings compared in Jinja:
/// `active` and `standby_ready` (the failover state), and, when the stage knows the target,
/// `on_target` by [`Version::matches`] (`7.4.1` is on target `7.4.1-172` and the other way
/// round: one rule for every module, the plan and the playbooks).
pub fn identity(r: &mut ModuleResult, id: &Identity, target: Option<&Version>) {
    let mut unit = json!(id);
    unit["active"] = json!(id.state.is_active());
    unit["standby_ready"] = json!(id.state.is_standby_ready());
    if let Some(target) = target {
        unit["on_target"] = json!(id.version.matches(target));
    }
    r.set("unit", &unit);
    let facts = r.ansible_facts.get_or_insert_with(|| json!({}));
    facts["ftd_unit"] = unit;
}

pub fn timeline(r: &mut ModuleResult, t: &Timeline) {
    r.set("timeline", &t.entries);
    r.set(
        "duration",
        (t.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    );
}

/// A journal that could not be written is a warning, never a failure.
pub fn journal_warning(r: &mut ModuleResult, j: &Journal) {
    if let Some(w) = &j.write_error {
        r.warn(w.clone());
    }
}

pub fn host_key_warning(r: &mut ModuleResult, warning: Option<&str>) {
    if let Some(w) = warning {
        r.warn(w);
    }
}

pub fn version_diff(r: ModuleResult, before: &str, after: &str) -> ModuleResult {
    r.with_diff(json!({"version": before}), json!({"version": after}))
}

/// The journal's last word on a module run: a failure, so that `ftd-upgrade watch` and the
/// report know the unit stopped.
pub fn close(journal: &mut Journal, r: ModuleResult) -> ModuleResult {
    if r.failed {
        journal.record(None, &format!("FAILED: {}", r.msg));
    }
    r
}
