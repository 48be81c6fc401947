//! `wget` (GNU wget 1.21): GET (HEAD with `--spider`), a range request to continue, retries
//! on a dropped connection, `--limit-rate`, a private CA, basic authentication with
//! `--ask-password`. Exit codes as wget's manual gives them: 3 file I/O, 4 network,
//! 5 SSL verification, 6 authentication, 8 server error.

use super::{JobEnv, WriteError, pause_for, rate, short_size};
use crate::cli::transfer::HttpJob;
use std::io::Read;
use std::time::{Duration, Instant};
use ureq::tls::{Certificate, RootCerts, TlsConfig};

const CHUNK: usize = 64 * 1024;

pub(super) fn run(job: &HttpJob, env: &mut JobEnv) -> i32 {
    let password = if job.ask_password {
        let user = job.user.clone().unwrap_or_default();
        match env.ask_blocking(&format!("Password for user '{user}': ")) {
            Some(p) => Some(p),
            None => return 130,
        }
    } else {
        None
    };
    let agent = match agent(job) {
        Ok(a) => a,
        Err(text) => {
            env.say(text);
            return 5;
        }
    };
    if job.spider {
        env.say("Spider mode enabled. Check if remote file exists.\n");
    }
    let (host, port) = host_port(&job.url);
    let mut try_no = 1;
    loop {
        let tries = if try_no > 1 {
            format!("(try:{try_no:>2})  ")
        } else {
            String::new()
        };
        env.say(format!("--{}--  {tries}{}\n", env.stamp(), job.url));
        let offset = if job.spider {
            0
        } else if job.resume || try_no > 1 {
            env.file_size(&job.output).unwrap_or(0)
        } else {
            env.truncate(&job.output);
            0
        };
        env.say(format!("Connecting to {host}:{port}... "));
        let mut request = if job.spider {
            agent.head(&job.url)
        } else {
            agent.get(&job.url)
        };
        if offset > 0 {
            request = request.header("Range", format!("bytes={offset}-"));
        }
        if let Some(user) = &job.user {
            let pair = format!("{user}:{}", password.as_deref().unwrap_or(""));
            request = request.header("Authorization", crate::package_server::basic_auth(&pair));
        }
        let response = match request.call() {
            Ok(r) => r,
            Err(e) => return env_fail(env, &host, e),
        };
        env.say("connected.\n");
        let status = response.status().as_u16();
        let reason = response.status().canonical_reason().unwrap_or("");
        env.say(format!(
            "HTTP request sent, awaiting response... {status} {reason}\n"
        ));
        match status {
            200 | 206 => {}
            416 if offset > 0 => {
                env.say("\n    The file is already fully retrieved; nothing to do.\n\n");
                return 0;
            }
            401 => {
                env.say("Username/Password Authentication Failed.\n");
                return 6;
            }
            _ => {
                env.say(format!("{} ERROR {status}: {reason}.\n\n", env.stamp()));
                return 8;
            }
        }
        let length: Option<u64> = response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_string();
        // A server that ignores the range sends the whole file: start over.
        let start = if status == 206 { offset } else { 0 };
        let total = length.map(|l| l + start);
        match (length, start) {
            (Some(l), 0) => env.say(format!("Length: {l} ({}) [{kind}]\n", short_size(l))),
            (Some(l), s) => env.say(format!(
                "Length: {} ({}), {l} ({}) remaining [{kind}]\n",
                l + s,
                short_size(l + s),
                short_size(l)
            )),
            (None, _) => env.say(format!("Length: unspecified [{kind}]\n")),
        }
        if job.spider {
            env.say("Remote file exists.\n\n");
            return 0;
        }
        env.say(format!("Saving to: '{}'\n\n", job.output));
        if start == 0 {
            env.truncate(&job.output);
        }
        let mut body = response.into_body();
        let mut reader = body.with_config().reader();
        let began = Instant::now();
        let mut at = start;
        let mut buf = vec![0u8; CHUNK];
        let outcome = loop {
            if env.cancelled() {
                return 130;
            }
            let n = match reader.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => n,
                Err(_) => break Err("Connection reset by peer"),
            };
            match env.write(&job.output, at, &buf[..n]) {
                Ok(()) => at += n as u64,
                Err(WriteError::NoSpace) => {
                    env.say(format!(
                        "\nCannot write to '{}' (No space left on device).\n",
                        job.output
                    ));
                    return 3;
                }
                Err(WriteError::Dropped(kept)) => {
                    at += kept as u64;
                    break Err("Connection reset by peer");
                }
            }
            if let Some(wait) = pause_for(job.limit, at - start, began) {
                std::thread::sleep(wait);
            }
        };
        let secs = began.elapsed().as_secs_f64();
        let shown = total.map_or(String::new(), |t| format!("/{t}"));
        match outcome {
            Ok(()) if total.is_none_or(|t| at >= t) => {
                env.say(format!(
                    "{} ({}) - '{}' saved [{at}{shown}]\n\n",
                    env.stamp(),
                    rate(at - start, secs),
                    job.output
                ));
                return 0;
            }
            Ok(()) | Err(_) => {
                let why = outcome.err().unwrap_or("Connection closed");
                let more = try_no < job.tries;
                env.say(format!(
                    "{} ({}) - Read error at byte {at}{shown} ({why}). {}\n\n",
                    env.stamp(),
                    rate(at - start, secs),
                    if more { "Retrying." } else { "Giving up." }
                ));
                if !more {
                    return 4;
                }
            }
        }
        try_no += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn agent(job: &HttpJob) -> Result<ureq::Agent, String> {
    let mut tls = TlsConfig::builder().disable_verification(!job.check_certificate);
    if let Some(pem) = &job.ca_pem {
        let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(pem.as_bytes())
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(
                "ERROR: could not read the CA certificate file (no certificate in it)\n".into(),
            );
        }
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_recv_body(Some(Duration::from_secs(60)))
        .tls_config(tls.build())
        .build()
        .into())
}

/// What wget prints when the request never got an answer.
fn env_fail(env: &JobEnv, host: &str, e: ureq::Error) -> i32 {
    let text = e.to_string();
    if text.contains("certificate")
        || text.contains("UnknownIssuer")
        || text.contains("NotValidForName")
    {
        env.say(format!(
            "connected.\nERROR: cannot verify {host}'s certificate:\n  Unable to locally verify the issuer's authority.\nTo connect to {host} insecurely, use `--no-check-certificate'.\n"
        ));
        return 5;
    }
    match e {
        ureq::Error::HostNotFound => {
            env.say(format!("failed: Name or service not known.\nwget: unable to resolve host address '{host}'\n"));
        }
        _ if text.contains("refused") => env.say("failed: Connection refused.\n"),
        _ if text.contains("timed out") || matches!(e, ureq::Error::Timeout(_)) => {
            env.say("failed: Connection timed out.\n")
        }
        _ => env.say(format!("failed: {text}.\n")),
    }
    4
}

fn host_port(url: &str) -> (String, u16) {
    let https = url.starts_with("https://");
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match authority.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() => (h.to_string(), p.parse().unwrap()),
        _ => (authority.to_string(), if https { 443 } else { 80 }),
    }
}
