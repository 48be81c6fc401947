//! `ftd-sim`: serve simulated FTD HA pairs on 127.0.0.1 until stopped.

use anyhow::{Context, Result, bail};
use clap::Parser;
use ftd_sim::device::Version;
use ftd_sim::inventory::{self, ScaledTiming};
use ftd_sim::model::clock::Clock;
use ftd_sim::model::faults::{FaultSpec, KINDS};
use ftd_sim::model::realism::{Realism, SWITCHES};
use ftd_sim::model::{Sim, SimConfig, Timing, texts};
use ftd_sim::server::{self, EventLog, ServerOptions};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(name = "ftd-sim", about = "Simulated Cisco FTD HA pairs over SSH, for tests and rehearsals", after_help = format!("Fault kinds: {KINDS}\nFMC fault kinds: {}", ftd_sim::fmc::FMC_FAULTS))]
struct Args {
    /// Number of HA pairs.
    #[arg(long, default_value_t = 1)]
    pairs: usize,
    /// First TCP port; units get consecutive ports. 0: ports chosen by the OS.
    #[arg(long, default_value_t = 2201)]
    base_port: u16,
    /// Version the units run at start.
    #[arg(long, default_value = "7.2.2-54")]
    from: String,
    /// Version of the upgrade package on the units; several, comma-separated and oldest
    /// first, for an upgrade of several hops (`7.0.6-236,7.2.7-500`: both packages are there).
    #[arg(long, default_value = "7.2.7-500")]
    to: String,
    /// The chassis' FXOS version on a Firepower 4100/9300, as its banner prints it
    /// (`2.11.1 (build 154)`); default the one each release carries.
    #[arg(long)]
    fxos: Option<String>,
    /// Hardware model: ftdv, fp1000, fp2100, fp3100, fp4100, fp4200.
    #[arg(long, default_value = "ftdv")]
    model: String,
    /// Real durations are device durations times this (0.002: a 30-minute install takes 3.6 s).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// PAIR:UNIT:KIND[=ARG], repeatable.
    #[arg(long = "fault")]
    faults: Vec<String>,
    #[arg(long, default_value = "admin")]
    username: String,
    /// Login (and sudo) password of every unit.
    #[arg(long, default_value = "Sim-Admin-Pass-1")]
    password: String,
    /// LINA enable password (empty, as on a new device).
    #[arg(long, default_value = "")]
    enable_password: String,
    /// Offer only keyboard-interactive authentication, as many devices do.
    #[arg(long)]
    keyboard_interactive_only: bool,
    /// Send output in small random pieces with small random delays (a slow, lossy network).
    #[arg(long)]
    slow_network: bool,
    /// The SSH algorithms the units offer: `default` (russh's), or `fips` (a hardened site's:
    /// NIST-curve key exchange only, AES-CTR/GCM, SHA-2 MACs, ECDSA host keys), or `legacy`
    /// (SHA-1 Diffie-Hellman and AES-CBC only: what the modules refuse to negotiate).
    #[arg(long, value_parser = ["default", "fips", "legacy"], default_value = "default")]
    ssh_policy: String,
    /// OpenSSH authorized_keys file: these keys log in as the admin user too.
    #[arg(long, value_name = "FILE")]
    authorized_keys: Option<PathBuf>,
    /// Delay after a failed login, in milliseconds.
    #[arg(long, default_value_t = 200)]
    auth_delay_ms: u64,
    /// Write an Ansible inventory for the pairs here.
    #[arg(long)]
    inventory: Option<PathBuf>,
    /// Write the units' host keys here, as OpenSSH known_hosts.
    #[arg(long)]
    known_hosts: Option<PathBuf>,
    /// Append events (JSON lines) here.
    #[arg(long)]
    events: Option<PathBuf>,
    /// Serve one unit of pair 1 on standard input/output (a login shell for a real sshd)
    /// instead of listening: `primary` or `secondary`.
    #[arg(long, value_name = "UNIT")]
    stdio: Option<String>,
    /// What an earlier attempt left in the target's log folder on each pair's secondary:
    /// `fail` (a failed readiness check and install), `pass` (a passed check and an install
    /// that died), `none`.
    #[arg(long, default_value = "fail", value_parser = ["pass", "fail", "none"])]
    stale_logs: String,
    /// Serve the target package over `http` or `https` (a CA of its own) from 127.0.0.1, or
    /// from the FMC (`fmc`, with --fmc: uploaded there, copied to the units by "Copy Upgrade
    /// Package"); the units then start without it, and the inventory names the source
    /// (`ftd_package_url`, or `ftd_package_source: fmc`).
    #[arg(long, value_parser = ["none", "http", "https", "fmc"], default_value = "none")]
    package_server: String,
    /// Size in bytes of the package the package server serves.
    #[arg(long, default_value_t = 8 << 20)]
    package_size: u64,
    /// Basic authentication `user:password` the package server requires.
    #[arg(long)]
    package_auth: Option<String>,
    /// Run an FMC managing the pairs: its REST API over HTTPS on 127.0.0.1 (a CA of its own,
    /// written beside the known_hosts file); the inventory names it (`ftd_fmc_host`, ...).
    #[arg(long)]
    fmc: bool,
    /// An FMC fault, repeatable (see --help's end).
    #[arg(long = "fmc-fault")]
    fmc_faults: Vec<String>,
    /// Device seconds before the FMC shows a failover (a new version: 30 more).
    #[arg(long, default_value_t = 5.0)]
    fmc_lag: f64,
    /// Bytes per device second the FMC copies a package to each unit.
    #[arg(long, default_value_t = 20e6)]
    fmc_push_rate: f64,
    /// Field behaviours to turn off, comma-separated (all are on by default; see README).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    realism_off: Vec<String>,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args = Args::parse();
    let model =
        texts::model(&args.model).with_context(|| format!("unknown model {}", args.model))?;
    let version = |v: &str| {
        Version::parse(v).with_context(|| format!("'{v}' is not an FTD version X.Y.Z[.P]-BUILD"))
    };
    let from = version(&args.from)?;
    let mut hops = args
        .to
        .split(',')
        .map(|v| version(v.trim()))
        .collect::<Result<Vec<_>>>()?;
    let mut below = from.clone();
    for to in &hops {
        if (&to.parts, to.build) <= (&below.parts, below.build) {
            bail!("--to ({to}) must be a newer X.Y.Z-BUILD than {below}");
        }
        below = to.clone();
    }
    let to = hops.pop().context("--to names no version")?;
    if args.package_server == "fmc" && !args.fmc {
        bail!("--package-server fmc needs --fmc");
    }
    if args.time_scale.is_nan() || args.time_scale <= 0.0 {
        bail!("--time-scale must be above 0");
    }
    let faults = args
        .faults
        .iter()
        .map(|f| f.parse::<FaultSpec>().map_err(anyhow::Error::msg))
        .collect::<Result<Vec<_>>>()?;
    if let Some(f) = faults.iter().find(|f| f.pair > args.pairs) {
        bail!("fault for pair {} but only {} pairs", f.pair, args.pairs);
    }
    let (timing, realism) = realism_settings(&args)?;
    let config = SimConfig {
        pairs: args.pairs,
        from,
        to,
        hops,
        fxos: args.fxos.clone(),
        model,
        faults,
        username: args.username.clone(),
        password: args.password.clone(),
        enable_password: args.enable_password.clone(),
        timing,
        realism,
        target_on_units: args.package_server == "none",
    };
    let sim = Sim::new(config, Clock::new(args.time_scale));
    if let Some(unit) = &args.stdio {
        let unit = match unit.as_str() {
            "primary" => 0,
            "secondary" => 1,
            other => bail!("--stdio takes primary or secondary, not {other}"),
        };
        ftd_sim::stdio::serve(sim, unit)?;
        return Ok(());
    }
    let ssh_policy: server::SshPolicy = args.ssh_policy.parse().map_err(anyhow::Error::msg)?;
    let mut keys = HashMap::new();
    for p in 0..args.pairs {
        for u in 0..2 {
            keys.insert(
                (p, u),
                russh::keys::PrivateKey::random(&mut rand::rng(), ssh_policy.host_key_algorithm())?,
            );
        }
    }
    let events = EventLog::open(args.events.as_deref()).context("opening the events file")?;
    let opts = ServerOptions {
        keys: keys.clone(),
        keyboard_interactive_only: args.keyboard_interactive_only,
        auth_rejection: Duration::from_millis(args.auth_delay_ms),
        slow_network: args.slow_network,
        ssh_policy,
        authorized_keys: match &args.authorized_keys {
            Some(path) => read_authorized_keys(path)?,
            None => vec![],
        },
    };
    let running = server::start(sim, args.base_port, opts, events.clone())
        .await
        .context("binding the units' ports")?;

    let packages = package_server(&args, &sim_target(&running)).await?;
    let fmc_faults = args
        .fmc_faults
        .iter()
        .map(|f| {
            f.parse::<ftd_sim::fmc::FmcFault>()
                .map_err(anyhow::Error::msg)
        })
        .collect::<Result<Vec<_>>>()?;
    let fmc = if args.fmc {
        let options = ftd_sim::fmc::FmcOptions {
            faults: fmc_faults,
            state_lag: args.fmc_lag,
            version_lag: args.fmc_lag + 30.0,
            holds_packages: args.package_server == "fmc",
            push_rate: args.fmc_push_rate,
            ..Default::default()
        };
        Some((
            ftd_sim::fmc::FmcServer::start(running.sim.clone(), options.clone(), events.clone())
                .await?,
            options,
        ))
    } else {
        None
    };
    let known_hosts_path = args
        .known_hosts
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("ftd-sim-known_hosts"));
    std::fs::write(
        &known_hosts_path,
        inventory::known_hosts(&keys, &running.ports),
    )
    .with_context(|| format!("writing {}", known_hosts_path.display()))?;
    let fmc_inventory = match &fmc {
        Some((server, options)) => {
            let ca = known_hosts_path.with_extension("fmc-ca.pem");
            std::fs::write(&ca, &server.ca_pem)?;
            println!("ftd-sim: FMC REST API at https://127.0.0.1:{}", server.port);
            Some(inventory::Fmc {
                host: format!("127.0.0.1:{}", server.port),
                username: options.username.clone(),
                password: options.password.clone(),
                ca_file: ca.display().to_string(),
                holds_packages: options.holds_packages,
            })
        }
        None => None,
    };
    if let Some(path) = &args.inventory {
        let sim = running.sim.lock().unwrap();
        let events_path = args.events.as_ref().map(|p| {
            std::path::absolute(p)
                .unwrap_or(p.clone())
                .display()
                .to_string()
        });
        let text = inventory::inventory(
            &sim,
            &running.ports,
            &known_hosts_path.display().to_string(),
            events_path.as_deref(),
            &ScaledTiming::for_scale(args.time_scale),
            packages.as_ref().map(|p| &p.served),
            fmc_inventory.as_ref(),
        );
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let mut ports: Vec<_> = running.ports.values().copied().collect();
    ports.sort();
    println!(
        "ftd-sim: {} pair(s) of {} {} -> {} listening on 127.0.0.1 ports {} (time scale {})",
        args.pairs,
        model.key,
        args.from,
        args.to,
        ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(","),
        args.time_scale
    );
    println!("ftd-sim: ready");

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut usr1 = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined1())?;
    let mut usr2 = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined2())?;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
            // SIGUSR1: write the summary now and go on (tests read it before tearing down).
            _ = usr1.recv() => {
                write_summary(&running, &events);
            }
            // SIGUSR2: clear every injected fault (tests of a re-run after a fault is fixed).
            _ = usr2.recv() => {
                let mut sim = running.sim.lock().unwrap();
                let now = sim.now();
                sim.clear_faults(now);
                events.write(&serde_json::json!({"event": "faults_cleared", "t": now}));
            }
        }
    }
    running.stop();
    let summary = write_summary(&running, &events);
    println!(
        "ftd-sim: stopped; summary: {}",
        serde_json::to_string(&summary)?
    );
    Ok(())
}

fn sim_target(running: &server::RunningSim) -> String {
    running.sim.lock().unwrap().target_package.clone()
}

/// The package server of `--package-server`, and what the inventory says of it.
struct Packages {
    served: inventory::Served,
    _server: ftd_sim::package_server::PackageServer,
    _dir: tempfile::TempDir,
}

async fn package_server(args: &Args, name: &str) -> Result<Option<Packages>> {
    if ["none", "fmc"].contains(&args.package_server.as_str()) {
        return Ok(None);
    }
    let dir = tempfile::tempdir()?;
    let content = ftd_sim::model::fs::package_content(name, args.package_size);
    std::fs::write(dir.path().join(name), &content)?;
    let tls = args.package_server == "https";
    let server = ftd_sim::package_server::PackageServer::start(
        dir.path(),
        ftd_sim::package_server::ServeOptions {
            port: 0,
            tls,
            auth: args.package_auth.clone(),
        },
    )
    .await?;
    let ca_file = match &server.ca_pem {
        Some(pem) => {
            let path = dir.path().join(".ca.pem");
            std::fs::write(&path, pem)?;
            Some(path.display().to_string())
        }
        None => None,
    };
    let scheme = if tls { "https" } else { "http" };
    let url = format!("{scheme}://127.0.0.1:{}/{name}", server.port);
    println!(
        "ftd-sim: serving {name} ({} bytes) at {url}",
        args.package_size
    );
    Ok(Some(Packages {
        served: inventory::Served {
            url,
            md5: ftd_sim::model::fs::hex(&<md5::Md5 as md5::Digest>::digest(&content)),
            ca_file,
            auth: args.package_auth.clone(),
        },
        _server: server,
        _dir: dir,
    }))
}

/// One `summary` event per pair: versions, traffic gaps, installs on an Active unit.
fn write_summary(running: &server::RunningSim, events: &EventLog) -> Vec<serde_json::Value> {
    let summary = running.sim.lock().unwrap().summary();
    for pair in &summary {
        let mut e = pair.clone();
        e["event"] = "summary".into();
        events.write(&e);
    }
    summary
}

/// The durations and switches of the field behaviours, after `--stale-logs` and `--realism-off`.
fn realism_settings(args: &Args) -> Result<(Timing, Realism)> {
    let mut timing = Timing::default();
    let mut realism = Realism {
        stale_logs: args.stale_logs.parse().ok(),
        ..Realism::default()
    };
    for name in &args.realism_off {
        match name.as_str() {
            "stale-logs" => realism.stale_logs = None,
            "bracketed-paste" => realism.bracketed_paste = false,
            "ansi" => realism.ansi = false,
            "crlf" => realism.crlf = false,
            "mate-warning" => realism.mate_warning = false,
            "chatter" => {
                realism.chatter = false;
                timing.switch_off(name);
            }
            other if timing.switch_off(other) => {}
            other => bail!("--realism-off {other}: not one of {SWITCHES}"),
        }
    }
    Ok((timing, realism))
}

/// The keys of an authorized_keys file (`type base64 [comment]` lines; options are not read).
fn read_authorized_keys(path: &Path) -> Result<Vec<russh::keys::PublicKey>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading authorized keys {}", path.display()))?;
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            russh::keys::PublicKey::from_openssh(line)
                .with_context(|| format!("{}: not a public key line: {line}", path.display()))
        })
        .collect()
}
