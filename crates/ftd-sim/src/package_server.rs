//! The file server a site keeps its upgrade packages on, for tests, the demo and the
//! benchmark: HTTP/1.1 on 127.0.0.1, GET and HEAD, byte ranges (`Range: bytes=N-`, which
//! `wget -c` sends), optional basic authentication, optional TLS with a certificate signed
//! by a CA it makes (the CA's PEM is what a client pins). One request per connection.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncRead, AsyncSeekExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

pub struct PackageServer {
    pub port: u16,
    /// With TLS: the PEM of the CA that signed the server's certificate.
    pub ca_pem: Option<String>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for PackageServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    pub port: u16,
    pub tls: bool,
    /// `user:password` required (basic authentication).
    pub auth: Option<String>,
}

impl PackageServer {
    /// Serves the files of `dir` (no subfolders) until dropped.
    pub async fn start(dir: &Path, options: ServeOptions) -> Result<PackageServer> {
        let listener = TcpListener::bind(("127.0.0.1", options.port))
            .await
            .context("binding the package server")?;
        let port = listener.local_addr()?.port();
        let (acceptor, ca_pem) = if options.tls {
            let (acceptor, ca) = crate::http1::tls_acceptor()?;
            (Some(acceptor), Some(ca))
        } else {
            (None, None)
        };
        let dir = dir.to_path_buf();
        let auth = options.auth.as_deref().map(basic_auth);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (dir, auth, acceptor) = (dir.clone(), auth.clone(), acceptor.clone());
                tokio::spawn(async move {
                    match acceptor {
                        Some(a) => {
                            if let Ok(tls) = a.accept(stream).await {
                                let _ = serve(tls, &dir, auth.as_deref()).await;
                            }
                        }
                        None => {
                            let _ = serve(stream, &dir, auth.as_deref()).await;
                        }
                    }
                });
            }
        });
        Ok(PackageServer { port, ca_pem, task })
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    dir: &Path,
    auth: Option<&str>,
) -> Result<()> {
    let Some(req) = crate::http1::read_request(&mut stream).await? else {
        return Ok(());
    };
    let (method, path, range, authorization) = (
        req.method.clone(),
        req.path.clone(),
        req.header("range").map(String::from),
        req.header("authorization").map(String::from),
    );
    if let Some(required) = auth
        && authorization.as_deref() != Some(required)
    {
        return reply(
            &mut stream,
            "401 Unauthorized",
            &["WWW-Authenticate: Basic realm=\"packages\""],
            0,
        )
        .await;
    }
    let Some(file) = file_in(dir, &path) else {
        return reply(&mut stream, "404 Not Found", &[], 0).await;
    };
    let Ok(mut f) = tokio::fs::File::open(&file).await else {
        return reply(&mut stream, "404 Not Found", &[], 0).await;
    };
    let len = f.metadata().await?.len();
    let start = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<u64>().ok());
    let (status, from, extra) = match start {
        Some(s) if s >= len => {
            let cr = format!("Content-Range: bytes */{len}");
            return reply(&mut stream, "416 Range Not Satisfiable", &[&cr], 0).await;
        }
        Some(s) => (
            "206 Partial Content",
            s,
            Some(format!("Content-Range: bytes {s}-{}/{len}", len - 1)),
        ),
        None => ("200 OK", 0, None),
    };
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    reply(&mut stream, status, &extra, len - from).await?;
    if method == "HEAD" {
        return Ok(());
    }
    f.seek(std::io::SeekFrom::Start(from)).await?;
    tokio::io::copy(&mut f, &mut stream).await?;
    stream.shutdown().await?;
    Ok(())
}

/// A plain file directly in `dir` named by the request path; nothing outside it.
fn file_in(dir: &Path, request_path: &str) -> Option<PathBuf> {
    let name = request_path.split('?').next()?.trim_start_matches('/');
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return None;
    }
    Some(dir.join(name))
}

async fn reply<S: AsyncWrite + Unpin>(
    stream: &mut S,
    status: &str,
    headers: &[&str],
    length: u64,
) -> Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nServer: ftd-sim-packages\r\nAccept-Ranges: bytes\r\nContent-Type: application/x-tar\r\nContent-Length: {length}\r\nConnection: close\r\n"
    );
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    if length == 0 {
        stream.shutdown().await?;
    }
    Ok(())
}

/// The `Authorization` value for `user:password`.
pub fn basic_auth(user_password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(user_password.as_bytes())
    )
}
