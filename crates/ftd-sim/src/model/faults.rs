//! Faults the sim can inject, per pair and unit: `PAIR:UNIT:KIND[=ARG]`, for example
//! `1:secondary:install-fail=200_pre/200_enable_maintenance_mode.pl` or `2:primary:reboot-hang`.

use std::str::FromStr;

#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// The readiness check fails at this script.
    ReadinessFail(String),
    /// The upgrade fails at this script (`Fatal error:`, status FAILED).
    InstallFail(String),
    /// The unit goes down for its reboot and never comes back.
    RebootHang,
    /// The boot takes this many times longer.
    SlowBoot(f64),
    /// The unit comes back on its old version (auto-cancel / roll back).
    Rollback,
    /// The unit comes back in this failover state instead of Standby Ready.
    ComesBack(String),
    /// The unit starts in this failover state (e.g. the peer is not Standby Ready).
    InitialState(String),
    PackageMissing,
    /// Checksum mismatch and signature failure.
    PackageCorrupt,
    /// `sudo su` expects this password, so the configured one is wrong.
    SudoPassword(String),
    /// Every SSH login is rejected.
    AuthFail,
    /// The SSH connection drops half way through the output of the Nth root command typed
    /// while an upgrade runs on the unit.
    DropMidCommand(u32),
    /// An upgrade to the target is already running when the sim starts.
    UpgradeRunning,
    /// LINA refuses `failover active`.
    FailoverRefused,
    /// The named CLISH/LINA command answers with truncated garbage, once.
    Garbage(String),
    /// The peer (Active) fails the moment this unit types a line containing this text: the
    /// unit becomes Active on its own between a read and the next command (§10, issue 11).
    TakeoverOn(String),
    /// The upgrade reboots the unit twice (§6: 1000/2100/3100 "may reboot multiple times").
    DoubleReboot,
    /// Every other read of `upgrade_status.json` is torn (half written).
    TornJson,
    /// After a boot, LINA answers nothing for this many device seconds.
    LinaLate(f64),
    /// After a boot, config sync takes this many device seconds (7.6 allows 7200).
    ConfigSync(f64),
    /// The installer unpacks the bundle for this many device seconds (a slow disk) before it
    /// writes any status file: the window in which a running upgrade shows only in `pgrep`.
    SlowUnpack(f64),
    /// Another controller takes the unit's expired lock over at the worst moment: right
    /// before this unit is told to move the lock away (`mv <lock> ...`), the lock is stamped
    /// fresh for OWNER, as that controller's takeover would. Once.
    LockRace(String),
    /// The unit starts locked by a run that died three hours ago (device time): its lock is
    /// expired, for the next run to take over.
    StaleLock(String),
    /// `/ngfw` has this many bytes free (1 GiB unless given): the readiness check fails at
    /// its disk space script, and staging finds no room.
    DiskFull(u64),
    /// Once upgraded, this interface (name or nameif) stays down.
    InterfaceDown(String),
    /// After `System will now reboot` the unit stays up this many device seconds.
    RebootDelay(f64),
    /// Every SSH login from the Nth on is rejected (the unit stops answering mid-run).
    AuthFailFrom(u32),
    /// A download the unit runs loses its connection once, when the file reaches this size.
    DownloadDrop(u64),
    /// The management SSH server refuses SFTP (and SCP) into the unit.
    NoSftp,
    /// The SSH session a download was typed in drops once, when the file reaches this size;
    /// wget goes on without it (GNU wget writes to `wget-log` after SIGHUP), scp dies.
    SessionDrop(u64),
    /// Every CLISH command is answered this many milliseconds late, in real time (not device
    /// time): a management plane under load, the case Ansible's `command_timeout` is for.
    SlowCli(u64),
}

/// Which unit of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitSel {
    Primary,
    Secondary,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// 1-based pair number.
    pub pair: usize,
    pub unit: UnitSel,
    pub fault: Fault,
}

pub const KINDS: &str = "readiness-fail[=SCRIPT], install-fail[=SCRIPT], reboot-hang, slow-boot[=FACTOR], rollback, \
comes-back=STATE, initial-state=STATE, package-missing, package-corrupt, sudo-password=PW, auth-fail, \
drop-mid-command[=N], upgrade-running, failover-refused, garbage=COMMAND, takeover-on=COMMAND, \
double-reboot, torn-json, lina-late=SECONDS, config-sync=SECONDS, slow-unpack=SECONDS, lock-race=OWNER, stale-lock=OWNER, disk-full[=FREE_BYTES], interface-down=NAME, reboot-delay=SECONDS, auth-fail-from=N, \
download-drop=BYTES, no-sftp, session-drop=BYTES, slow-cli=MS";

impl FromStr for FaultSpec {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, String> {
        let usage = || {
            format!(
                "fault '{spec}' is not PAIR:UNIT:KIND[=ARG] (UNIT primary|secondary; KIND one of {KINDS})"
            )
        };
        let mut parts = spec.splitn(3, ':');
        let pair: usize = parts
            .next()
            .and_then(|p| p.parse().ok())
            .filter(|p| *p >= 1)
            .ok_or_else(usage)?;
        let unit = match parts.next() {
            Some("primary") | Some("a") => UnitSel::Primary,
            Some("secondary") | Some("b") => UnitSel::Secondary,
            _ => return Err(usage()),
        };
        let kind = parts.next().ok_or_else(usage)?;
        let (name, arg) = match kind.split_once('=') {
            Some((n, a)) => (n, Some(a.to_string())),
            None => (kind, None),
        };
        let need = |arg: Option<String>| arg.filter(|a| !a.is_empty()).ok_or_else(usage);
        let fault = match name {
            "readiness-fail" => Fault::ReadinessFail(
                arg.unwrap_or_else(|| "000_start/410_check_disk_space.sh".into()),
            ),
            "install-fail" => Fault::InstallFail(
                arg.unwrap_or_else(|| "200_pre/200_enable_maintenance_mode.pl".into()),
            ),
            "reboot-hang" => Fault::RebootHang,
            "slow-boot" => Fault::SlowBoot(
                arg.map(|a| a.parse().map_err(|_| usage()))
                    .transpose()?
                    .unwrap_or(3.0),
            ),
            "rollback" => Fault::Rollback,
            "comes-back" => Fault::ComesBack(need(arg)?),
            "initial-state" => Fault::InitialState(need(arg)?),
            "package-missing" => Fault::PackageMissing,
            "package-corrupt" => Fault::PackageCorrupt,
            "sudo-password" => Fault::SudoPassword(need(arg)?),
            "auth-fail" => Fault::AuthFail,
            "drop-mid-command" => Fault::DropMidCommand(
                arg.map(|a| a.parse().map_err(|_| usage()))
                    .transpose()?
                    .unwrap_or(3),
            ),
            "upgrade-running" => Fault::UpgradeRunning,
            "failover-refused" => Fault::FailoverRefused,
            "garbage" => Fault::Garbage(need(arg)?),
            "takeover-on" => Fault::TakeoverOn(need(arg)?),
            "double-reboot" => Fault::DoubleReboot,
            "disk-full" => Fault::DiskFull(
                arg.map(|a| a.parse().map_err(|_| usage()))
                    .transpose()?
                    .unwrap_or(1 << 30),
            ),
            "interface-down" => Fault::InterfaceDown(need(arg)?),
            "reboot-delay" => Fault::RebootDelay(need(arg)?.parse().map_err(|_| usage())?),
            "auth-fail-from" => Fault::AuthFailFrom(need(arg)?.parse().map_err(|_| usage())?),
            "torn-json" => Fault::TornJson,
            "download-drop" => Fault::DownloadDrop(need(arg)?.parse().map_err(|_| usage())?),
            "no-sftp" => Fault::NoSftp,
            "session-drop" => Fault::SessionDrop(need(arg)?.parse().map_err(|_| usage())?),
            "slow-cli" => Fault::SlowCli(need(arg)?.parse().map_err(|_| usage())?),
            "lina-late" => Fault::LinaLate(need(arg)?.parse().map_err(|_| usage())?),
            "config-sync" => Fault::ConfigSync(need(arg)?.parse().map_err(|_| usage())?),
            "slow-unpack" => Fault::SlowUnpack(need(arg)?.parse().map_err(|_| usage())?),
            "lock-race" => Fault::LockRace(need(arg)?),
            "stale-lock" => Fault::StaleLock(need(arg)?),
            _ => return Err(usage()),
        };
        Ok(FaultSpec { pair, unit, fault })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let f: FaultSpec = "2:secondary:install-fail=300_os/060_fix_fstab.sh"
            .parse()
            .unwrap();
        assert_eq!(
            (f.pair, f.unit, f.fault),
            (
                2,
                UnitSel::Secondary,
                Fault::InstallFail("300_os/060_fix_fstab.sh".into())
            )
        );
        let f: FaultSpec = "1:primary:comes-back=Cold Standby".parse().unwrap();
        assert_eq!(f.fault, Fault::ComesBack("Cold Standby".into()));
        assert!("0:primary:rollback".parse::<FaultSpec>().is_err());
        assert!("1:tertiary:rollback".parse::<FaultSpec>().is_err());
        assert!("1:primary:explode".parse::<FaultSpec>().is_err());
        assert!("1:primary:comes-back".parse::<FaultSpec>().is_err());
        let f: FaultSpec = "1:secondary:slow-cli=2500".parse().unwrap();
        assert_eq!(f.fault, Fault::SlowCli(2500));
        assert!("1:secondary:slow-cli=soon".parse::<FaultSpec>().is_err());
    }
}
