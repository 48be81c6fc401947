//! `scp` (OpenSSH 9: SSH, then the SFTP protocol to read the file): the server's host key
//! checked against the known_hosts file named with `-o UserKnownHostsFile`, the password
//! typed at `user@host's password: ` (three tries), `-l` in Kbit/s.

use super::{JobEnv, WriteError};
use crate::cli::transfer::{ScpJob, StrictHostKeys};
use russh::client;
use russh::keys::{HashAlg, PublicKey, PublicKeyOrCertificate};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

#[derive(Debug, Clone)]
enum Verdict {
    Known,
    Unknown(PublicKey),
    Changed(PublicKey),
}

struct KeyCheck {
    known_hosts: String,
    pattern: String,
    strict: StrictHostKeys,
    verdict: Arc<Mutex<Option<Verdict>>>,
}

impl client::Handler for KeyCheck {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        offered: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let PublicKeyOrCertificate::PublicKey { key, .. } = offered else {
            return Ok(false);
        };
        let verdict = judge(&self.known_hosts, &self.pattern, key);
        let accept = match &verdict {
            Verdict::Known => true,
            Verdict::Unknown(_) => {
                matches!(self.strict, StrictHostKeys::No | StrictHostKeys::AcceptNew)
            }
            Verdict::Changed(_) => false,
        };
        *self.verdict.lock().unwrap() = Some(verdict);
        Ok(accept)
    }
}

/// Looks the server's key up in known_hosts lines (`host[,host] type base64`).
fn judge(known_hosts: &str, pattern: &str, key: &PublicKey) -> Verdict {
    let mut changed = false;
    for line in known_hosts.lines() {
        let mut fields = line.split_whitespace();
        let (Some(hosts), Some(_kind), Some(b64)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if !hosts.split(',').any(|h| h == pattern) {
            continue;
        }
        match russh::keys::parse_public_key_base64(b64) {
            Ok(k) if k.key_data() == key.key_data() => return Verdict::Known,
            Ok(k) if k.algorithm() == key.algorithm() => changed = true,
            _ => {}
        }
    }
    if changed {
        Verdict::Changed(key.clone())
    } else {
        Verdict::Unknown(key.clone())
    }
}

fn algorithm_name(key: &PublicKey) -> String {
    match key.algorithm().as_str() {
        "ssh-ed25519" => "ED25519".into(),
        "ssh-rsa" => "RSA".into(),
        other if other.starts_with("ecdsa") => "ECDSA".into(),
        other => other.to_uppercase(),
    }
}

pub(super) async fn run(job: &ScpJob, env: &mut JobEnv) -> i32 {
    let pattern = if job.port == 22 {
        job.host.clone()
    } else {
        format!("[{}]:{}", job.host, job.port)
    };
    let verdict = Arc::new(Mutex::new(None));
    let check = KeyCheck {
        known_hosts: job.known_hosts.clone(),
        pattern: pattern.clone(),
        strict: job.strict,
        verdict: verdict.clone(),
    };
    let config = Arc::new(client::Config::default());
    let connect = tokio::time::timeout(
        Duration::from_secs(10),
        client::connect(config, (job.host.as_str(), job.port), check),
    )
    .await;
    let seen = verdict.lock().unwrap().clone();
    let mut handle = match (connect, seen) {
        (Ok(Ok(h)), seen) => {
            if let Some(Verdict::Unknown(key)) = seen {
                let line = format!("{pattern} {}\n", key.to_openssh().unwrap_or_default());
                env.append_text(&job.known_hosts_path, &line);
                env.say(format!(
                    "Warning: Permanently added '{pattern}' ({}) to the list of known hosts.\n",
                    algorithm_name(&key)
                ));
            }
            h
        }
        (_, Some(Verdict::Unknown(key))) => {
            env.say(format!(
                "No {} host key is known for {pattern} and you have requested strict checking.\nHost key verification failed.\nscp: Connection closed\n",
                algorithm_name(&key)
            ));
            return 255;
        }
        (_, Some(Verdict::Changed(key))) => {
            env.say(format!(
                "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\nIT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\nSomeone could be eavesdropping on you right now (man-in-the-middle attack)!\nIt is also possible that a host key has just been changed.\nThe fingerprint for the {} key sent by the remote host is\n{}.\nPlease contact your system administrator.\nAdd correct host key in {} to get rid of this message.\nHost key verification failed.\nscp: Connection closed\n",
                algorithm_name(&key),
                key.fingerprint(HashAlg::Sha256),
                job.known_hosts_path
            ));
            return 255;
        }
        (Ok(Err(e)), _) if e.to_string().contains("refused") => {
            env.say(format!(
                "ssh: connect to host {} port {}: Connection refused\nscp: Connection closed\n",
                job.host, job.port
            ));
            return 255;
        }
        (Ok(Err(e)), _) => {
            env.say(format!(
                "ssh: connect to host {} port {}: {e}\nscp: Connection closed\n",
                job.host, job.port
            ));
            return 255;
        }
        (Err(_), _) => {
            env.say(format!(
                "ssh: connect to host {} port {}: Connection timed out\nscp: Connection closed\n",
                job.host, job.port
            ));
            return 255;
        }
    };
    let mut authenticated = false;
    for attempt in 0..3 {
        if attempt > 0 {
            env.say("Permission denied, please try again.\n");
        }
        let Some(password) = env
            .ask(&format!("{}@{}'s password: ", job.user, job.host))
            .await
        else {
            return 130;
        };
        if let Ok(r) = handle.authenticate_password(&job.user, &password).await
            && r.success()
        {
            authenticated = true;
            break;
        }
    }
    if !authenticated {
        env.say(format!(
            "{}@{}: Permission denied (publickey,password).\nscp: Connection closed\n",
            job.user, job.host
        ));
        return 255;
    }
    let status = copy(job, env, &handle).await;
    let _ = handle
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;
    status
}

async fn copy(job: &ScpJob, env: &mut JobEnv, handle: &client::Handle<KeyCheck>) -> i32 {
    let closed = |env: &JobEnv| {
        env.say("scp: Connection closed\n");
        255
    };
    let Ok(channel) = handle.channel_open_session().await else {
        return closed(env);
    };
    if channel.request_subsystem(true, "sftp").await.is_err() {
        return closed(env);
    }
    let Ok(sftp) = russh_sftp::client::SftpSession::new(channel.into_stream()).await else {
        return closed(env);
    };
    let mut file = match sftp.open(&job.remote_path).await {
        Ok(f) => f,
        Err(_) => {
            env.say(format!(
                "scp: {}: No such file or directory\n",
                job.remote_path
            ));
            return 1;
        }
    };
    let size = sftp
        .metadata(&job.remote_path)
        .await
        .ok()
        .and_then(|m| m.size)
        .unwrap_or(0);
    env.truncate(&job.output);
    let limit = job.limit_kbit.map(|k| k * 1000 / 8);
    let began = Instant::now();
    let mut at = 0u64;
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        if env.cancelled() {
            return 130;
        }
        let n = match file.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(_) => return closed(env),
        };
        match env.write(&job.output, at, &buf[..n]) {
            Ok(()) => at += n as u64,
            Err(WriteError::NoSpace) => {
                env.say(format!(
                    "scp: write local \"{}\": No space left on device\n",
                    job.output
                ));
                return 1;
            }
            Err(WriteError::Dropped(_)) => {
                env.say(format!(
                    "Connection to {} closed by remote host.\nscp: Connection closed\n",
                    job.host
                ));
                return 255;
            }
        }
        if let Some(wait) = super::pause_for(limit, at, began) {
            tokio::time::sleep(wait).await;
        }
    }
    let name = job
        .remote_path
        .rsplit('/')
        .next()
        .unwrap_or(&job.remote_path);
    let secs = began.elapsed().as_secs_f64();
    let percent = (at * 100).checked_div(size).unwrap_or(100);
    env.say(format!(
        "{name:<40} {percent:>3}% {:>5} {:>9}   {:02}:{:02}    \n",
        super::short_size(at).replace(".0", ""),
        super::rate(at, secs).replace(' ', ""),
        secs as u64 / 60,
        secs as u64 % 60
    ));
    0
}
