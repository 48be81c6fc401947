//! Pushing a controller file into a unit over its management SSH with SFTP, from an offset
//! (an interrupted upload continues), at a limited rate. Whether FTD's SSH server accepts
//! SFTP is not in the public record (domain §11, UNVERIFIED): a refusal is its own error so
//! that the caller can say what to do instead.

use crate::error::DeviceError;
use crate::transport::{ConnectOptions, Connected, connect};
use russh_sftp::client::SftpSession;
use russh_sftp::protocol::OpenFlags;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

#[derive(Debug, thiserror::Error)]
pub enum SftpError {
    /// The unit's SSH server has no SFTP for this user.
    #[error("the unit refused SFTP: {0}")]
    Refused(String),
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error("{0}")]
    Transfer(String),
}

pub struct SftpLink {
    handle: Connected,
    sftp: SftpSession,
}

const CHUNK: usize = 256 * 1024;

impl SftpLink {
    pub async fn open(opts: &ConnectOptions) -> Result<SftpLink, SftpError> {
        let handle = connect(opts).await?;
        let refused = |e: &dyn std::fmt::Display| SftpError::Refused(e.to_string());
        let channel = tokio::time::timeout(opts.connect_timeout, handle.channel_open_session())
            .await
            .map_err(|_| SftpError::Refused("no session channel in time".into()))?
            .map_err(|e| refused(&e))?;
        channel
            .request_subsystem(true, "sftp")
            .await
            .map_err(|e| refused(&e))?;
        let sftp = tokio::time::timeout(
            opts.connect_timeout,
            SftpSession::new(channel.into_stream()),
        )
        .await
        .map_err(|_| SftpError::Refused("the sftp subsystem did not answer".into()))?
        .map_err(|e| refused(&e))?;
        Ok(SftpLink { handle, sftp })
    }

    /// The size of a file on the unit, None when it is not there.
    pub async fn size(&self, path: &str) -> Option<u64> {
        self.sftp.metadata(path).await.ok().and_then(|m| m.size)
    }

    /// Writes `local` to `remote` from byte `from` on (the bytes before it are already
    /// there), at most `rate` bytes/s; `progress` gets the bytes written so far. Returns the
    /// file's size on the unit at the end.
    pub async fn upload(
        &self,
        local: &Path,
        remote: &str,
        from: u64,
        rate: Option<u64>,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, SftpError> {
        let io =
            |what: &str, e: &dyn std::fmt::Display| SftpError::Transfer(format!("{what}: {e}"));
        let mut src = tokio::fs::File::open(local)
            .await
            .map_err(|e| io(&format!("reading {}", local.display()), &e))?;
        src.seek(std::io::SeekFrom::Start(from))
            .await
            .map_err(|e| io("seeking", &e))?;
        let flags = if from == 0 {
            OpenFlags::CREATE | OpenFlags::WRITE | OpenFlags::TRUNCATE
        } else {
            OpenFlags::CREATE | OpenFlags::WRITE
        };
        let mut dst = self
            .sftp
            .open_with_flags(remote, flags)
            .await
            .map_err(|e| io(&format!("opening {remote} on the unit"), &e))?;
        dst.seek(std::io::SeekFrom::Start(from))
            .await
            .map_err(|e| io("seeking on the unit", &e))?;
        let started = Instant::now();
        let mut at = from;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = src.read(&mut buf).await.map_err(|e| io("reading", &e))?;
            if n == 0 {
                break;
            }
            dst.write_all(&buf[..n])
                .await
                .map_err(|e| io(&format!("writing {remote} on the unit at byte {at}"), &e))?;
            at += n as u64;
            progress(at);
            if let Some(rate) = rate {
                let due = Duration::from_secs_f64((at - from) as f64 / rate as f64);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    tokio::time::sleep(wait).await;
                }
            }
        }
        dst.shutdown().await.map_err(|e| io("closing", &e))?;
        Ok(at)
    }

    pub async fn close(self) {
        let _ = self.sftp.close().await;
        self.handle.close().await;
    }
}
