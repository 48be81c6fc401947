//! The file server a site keeps its upgrade packages on, for tests, the demo and the
//! benchmark: HTTP/1.1 on 127.0.0.1, GET and HEAD, byte ranges (`Range: bytes=N-`, which
//! `wget -c` sends), optional basic authentication, optional TLS with a certificate signed
//! by a CA it makes (the CA's PEM is what a client pins). One request per connection.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt};
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
            let (acceptor, ca) = tls_acceptor()?;
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

/// A CA and a server certificate for 127.0.0.1 and localhost signed by it.
fn tls_acceptor() -> Result<(tokio_rustls::TlsAcceptor, String)> {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "ftd-sim package server CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;
    let leaf_key = KeyPair::generate()?;
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])?
        .signed_by(&leaf_key, &ca)?;
    let key = tokio_rustls::rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der())
        .map_err(|e| anyhow::anyhow!("server key: {e}"))?;
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)?;
    Ok((tokio_rustls::TlsAcceptor::from(Arc::new(config)), ca.pem()))
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    dir: &Path,
    auth: Option<&str>,
) -> Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let (method, path, range, authorization) = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        if let httparse::Status::Complete(_) = req.parse(&head)? {
            let header = |name: &str| {
                req.headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case(name))
                    .map(|h| String::from_utf8_lossy(h.value).into_owned())
            };
            break (
                req.method.unwrap_or("GET").to_string(),
                req.path.unwrap_or("/").to_string(),
                header("range"),
                header("authorization"),
            );
        }
        if head.len() > 64 * 1024 {
            return Ok(());
        }
    };
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
