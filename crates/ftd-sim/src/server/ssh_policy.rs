//! Which SSH algorithms a unit's server offers. `Fips` is what hardened sites run (FIPS,
//! Common Criteria or CNSA mode; `shared/domain/upgrade-paths.md` §5, INFERRED): key exchange
//! on NIST curves only, AES-CTR/GCM, SHA-2 MACs, ECDSA or RSA-SHA2 host keys. `Legacy` is a
//! set nothing modern negotiates, for the message a mismatch gives.

use russh::keys::{Algorithm, EcdsaCurve, HashAlg};
use russh::{Preferred, cipher, kex, mac};
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SshPolicy {
    /// russh's own defaults (curve25519 first), as a unit out of the box.
    #[default]
    Default,
    /// NIST-curve ECDH only, AES-CTR/GCM, SHA-2 MACs, an ECDSA P-256 host key.
    Fips,
    /// A very old image's set: SHA-1 Diffie-Hellman groups, AES-CBC, HMAC-SHA1, which the
    /// modules' client does not offer: a unit it cannot negotiate with.
    Legacy,
}

impl std::str::FromStr for SshPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "default" => Ok(SshPolicy::Default),
            "fips" => Ok(SshPolicy::Fips),
            "legacy" => Ok(SshPolicy::Legacy),
            other => Err(format!(
                "SSH policy {other}: expected default, fips or legacy"
            )),
        }
    }
}

impl SshPolicy {
    /// The kind of host key a unit under this policy has.
    pub fn host_key_algorithm(self) -> Algorithm {
        match self {
            SshPolicy::Default | SshPolicy::Legacy => Algorithm::Ed25519,
            SshPolicy::Fips => Algorithm::Ecdsa {
                curve: EcdsaCurve::NistP256,
            },
        }
    }

    /// What the server offers in its key exchange.
    pub fn preferred(self) -> Preferred {
        match self {
            SshPolicy::Default => Preferred::default(),
            SshPolicy::Fips => Preferred {
                kex: Cow::Owned(vec![
                    kex::ECDH_SHA2_NISTP256,
                    kex::ECDH_SHA2_NISTP384,
                    kex::ECDH_SHA2_NISTP521,
                    kex::EXTENSION_SUPPORT_AS_SERVER,
                    kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER,
                ]),
                key: Cow::Owned(vec![
                    Algorithm::Ecdsa {
                        curve: EcdsaCurve::NistP256,
                    },
                    Algorithm::Ecdsa {
                        curve: EcdsaCurve::NistP384,
                    },
                    Algorithm::Rsa {
                        hash: Some(HashAlg::Sha512),
                    },
                    Algorithm::Rsa {
                        hash: Some(HashAlg::Sha256),
                    },
                ]),
                cipher: Cow::Owned(vec![
                    cipher::AES_256_GCM,
                    cipher::AES_128_GCM,
                    cipher::AES_256_CTR,
                    cipher::AES_128_CTR,
                ]),
                mac: Cow::Owned(vec![
                    mac::HMAC_SHA512_ETM,
                    mac::HMAC_SHA256_ETM,
                    mac::HMAC_SHA512,
                    mac::HMAC_SHA256,
                ]),
                ..Preferred::default()
            },
            SshPolicy::Legacy => Preferred {
                kex: Cow::Owned(vec![kex::DH_G14_SHA1, kex::DH_G1_SHA1]),
                cipher: Cow::Owned(vec![cipher::AES_128_CBC, cipher::AES_256_CBC]),
                mac: Cow::Owned(vec![mac::HMAC_SHA1]),
                ..Preferred::default()
            },
        }
    }
}
