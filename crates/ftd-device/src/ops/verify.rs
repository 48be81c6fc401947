//! The checks after an upgrade, each reported pass or fail, all of them run.

use super::OpError;
use super::facts;
use crate::parse::state::one_active_one_standby;
use crate::session::CliSession;
use crate::version::{Package, Version};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

fn check(name: &str, passed: bool, detail: String) -> Check {
    Check {
        name: name.into(),
        passed,
        detail,
    }
}

/// `expected_active`: `primary`, `secondary` or `any`.
pub async fn run(
    s: &mut CliSession,
    target: &Version,
    expected_active: &str,
    package: Option<&Package>,
) -> Result<(facts::Identity, Vec<Check>), OpError> {
    let identity = facts::identity(s).await?;
    let details = facts::show_failover(s).await?;
    let mut checks = vec![check(
        "version",
        target.matches(&identity.version),
        format!("running {}, target {target}", identity.version),
    )];
    checks.push(check(
        "failover_health",
        one_active_one_standby(&identity.state, &identity.peer_state),
        format!("this unit {}, peer {}", identity.state, identity.peer_state),
    ));
    let active_role = if identity.state.is_active() {
        &identity.role
    } else {
        &identity.peer_role
    };
    checks.push(check(
        "active_unit",
        expected_active == "any" || active_role.eq_ignore_ascii_case(expected_active),
        format!("{active_role} is Active, expected {expected_active}"),
    ));
    let (ours, mate) = (
        details.lina_version_ours.clone().unwrap_or_default(),
        details.lina_version_mate.clone().unwrap_or_default(),
    );
    checks.push(check(
        "lina_versions_match",
        !ours.is_empty() && ours == mate,
        format!("ours {ours}, mate {mate}"),
    ));
    checks.push(check(
        "ftd_slots_up",
        details.this_host.ftd_slots_up(),
        details
            .this_host
            .slots
            .iter()
            .map(|s| format!("{} {}", s.name, s.status))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    if let Some(p) = package {
        let status = facts::upgrade_status(s, p).await?;
        let (ok, detail) = match &status {
            Some(st) => (
                st.validated() && !st.failed(),
                format!("status {}, {}", st.status, st.sub_state),
            ),
            None => (
                true,
                "no upgrade record for this package (unit installed another way)".into(),
            ),
        };
        checks.push(check("upgrade_completed", ok, detail));
    }
    Ok((identity, checks))
}
