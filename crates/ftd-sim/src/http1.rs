//! The little HTTP/1.1 the sim's servers need (the package server, the FMC's REST API): one
//! request read with httparse (head, then a body by `Content-Length`), and a TLS acceptor
//! whose certificate a CA of its own signs (clients pin the CA's PEM).

use anyhow::Result;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt};

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path without the query.
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `?a=1&b=2` as pairs (no percent-decoding: the clients send plain values).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }
}

/// Reads one request; None when the client closed the connection first.
pub async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Option<Request>> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        data.extend_from_slice(&buf[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 48];
        let mut req = httparse::Request::new(&mut headers);
        if let httparse::Status::Complete(head_len) = req.parse(&data)? {
            let target = req.path.unwrap_or("/").to_string();
            let (path, query) = match target.split_once('?') {
                Some((p, q)) => (p.to_string(), q.to_string()),
                None => (target, String::new()),
            };
            let headers: Vec<(String, String)> = req
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_string(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect();
            let mut request = Request {
                method: req.method.unwrap_or("GET").to_string(),
                path,
                query,
                headers,
                body: data[head_len..].to_vec(),
            };
            let length: usize = request
                .header("content-length")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while request.body.len() < length {
                let n = stream.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                request.body.extend_from_slice(&buf[..n]);
            }
            return Ok(Some(request));
        }
        if data.len() > 64 * 1024 {
            return Ok(None);
        }
    }
}

/// A CA and a server certificate for 127.0.0.1 and localhost signed by it.
pub fn tls_acceptor() -> Result<(tokio_rustls::TlsAcceptor, String)> {
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
