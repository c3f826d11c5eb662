//! Message signing: an RSA-2048 key pair generated at first start and kept in storage,
//! a self-signed X.509 certificate for it (served as PEM at `SigningCertURL`), and
//! SNS's two signature versions: `1` = SHA1withRSA, `2` = SHA256withRSA (PKCS#1 v1.5).
//!
//! aws-lc-rs generates the key and makes SHA-256 signatures (the certificate's own and
//! version 2). It refuses SHA-1 signatures, which version 1 (still AWS's default) needs,
//! so those are computed here from the private key's CRT components with num-bigint:
//! `EMSA-PKCS1-v1_5(SHA1(msg))^d mod n`. Not constant-time, which does not matter for a
//! local notification signer; see ADR 0009.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use eddy_storage::{Storage, WriteBatch};
use num_bigint::BigUint;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Keyspace holding the key pair and certificate (one key, `signing`).
pub const SIGNING: &str = "sns_signing";

/// The signer.
pub struct Signer {
    key: KeyPair,
    crt: Crt,
    cert_der: Vec<u8>,
    /// `/SimpleNotificationService-<hash>.pem`.
    cert_path: String,
    /// Recent signatures by (version, SHA-256 of the signed text). A notification's
    /// string to sign names no subscription, so one message fanned out to N
    /// subscriptions is signed once instead of N times (RSA is most of a delivery's CPU).
    /// Each slot is filled once: the subscriptions' workers usually ask at the same
    /// moment, and the later ones wait for the first instead of signing too.
    recent: parking_lot::Mutex<HashMap<SignatureId, Arc<OnceLock<String>>>>,
}

/// The signer, loaded (or generated and stored) on first use rather than at startup:
/// generating a key pair on a fresh data directory would otherwise add ~150 ms to
/// eddy's startup. [`crate::Sns::open`] starts loading it in the background at once.
pub struct SignerCell {
    storage: Arc<dyn Storage>,
    common_name: String,
    cell: tokio::sync::OnceCell<Arc<Signer>>,
}

impl SignerCell {
    /// A cell for the signer kept in `storage`.
    pub fn new(storage: Arc<dyn Storage>, common_name: String) -> Self {
        Self {
            storage,
            common_name,
            cell: tokio::sync::OnceCell::new(),
        }
    }

    /// The signer; the first caller loads or creates it, concurrent callers wait.
    pub async fn get(&self) -> Result<Arc<Signer>, String> {
        self.cell
            .get_or_try_init(|| async {
                Signer::load_or_create(&self.storage, &self.common_name)
                    .await
                    .map(Arc::new)
            })
            .await
            .cloned()
    }
}

/// (SignatureVersion, SHA-256 of the signed text).
type SignatureId = (u8, [u8; 32]);

/// Signatures kept in [`Signer::recent`]; the map is emptied when it reaches this size
/// (the copies of one message are delivered close together).
const RECENT_SIGNATURES: usize = 4096;

struct Crt {
    n_len: usize,
    n: BigUint,
    p: BigUint,
    q: BigUint,
    dp: BigUint,
    dq: BigUint,
    qinv: BigUint,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    pkcs8: String,
    cert: String,
}

impl Signer {
    /// Loads the key pair from storage, or generates and stores one.
    pub async fn load_or_create(
        storage: &Arc<dyn Storage>,
        common_name: &str,
    ) -> Result<Self, String> {
        if let Some(raw) = storage
            .get(SIGNING, b"signing")
            .map_err(|e| e.to_string())?
        {
            let s: Stored = serde_json::from_slice(&raw).map_err(|e| e.to_string())?;
            let pkcs8 = B64.decode(s.pkcs8).map_err(|e| e.to_string())?;
            let cert = B64.decode(s.cert).map_err(|e| e.to_string())?;
            return Self::from_parts(&pkcs8, cert);
        }
        // RSA key generation takes ~100+ ms of CPU: off the async workers.
        let cn = common_name.to_string();
        let (pkcs8, cert) = tokio::task::spawn_blocking(move || {
            let key = KeyPair::generate(KeySize::Rsa2048).map_err(|e| e.to_string())?;
            let pkcs8 = key.as_der().map_err(|e| e.to_string())?.as_ref().to_vec();
            let cert = self_signed_cert(&key, &cn)?;
            Ok::<_, String>((pkcs8, cert))
        })
        .await
        .map_err(|e| e.to_string())??;
        let stored = Stored {
            pkcs8: B64.encode(&pkcs8),
            cert: B64.encode(&cert),
        };
        let mut batch = WriteBatch::new();
        batch.put(
            SIGNING,
            b"signing".to_vec(),
            serde_json::to_vec(&stored).map_err(|e| e.to_string())?,
        );
        storage.commit(batch).await.map_err(|e| e.to_string())?;
        tracing::info!("generated the SNS signing key pair");
        Self::from_parts(&pkcs8, cert)
    }

    fn from_parts(pkcs8: &[u8], cert_der: Vec<u8>) -> Result<Self, String> {
        let key = KeyPair::from_pkcs8(pkcs8).map_err(|e| e.to_string())?;
        let crt = parse_pkcs8(pkcs8).ok_or("unreadable RSA private key")?;
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &cert_der);
        let cert_path = format!(
            "/SimpleNotificationService-{}.pem",
            hex::encode(&digest.as_ref()[..16])
        );
        Ok(Self {
            key,
            crt,
            cert_der,
            cert_path,
            recent: parking_lot::Mutex::new(HashMap::new()),
        })
    }

    /// The path the certificate is served at.
    pub fn cert_path(&self) -> &str {
        &self.cert_path
    }

    /// The certificate as PEM.
    pub fn cert_pem(&self) -> String {
        let b64 = B64.encode(&self.cert_der);
        let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
        out
    }

    /// Base64 signature of `msg` for SignatureVersion `version` (1 or 2).
    pub fn sign(&self, version: u8, msg: &[u8]) -> String {
        let mut id = [0u8; 32];
        id.copy_from_slice(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, msg).as_ref());
        let slot = {
            let mut recent = self.recent.lock();
            if recent.len() >= RECENT_SIGNATURES && !recent.contains_key(&(version, id)) {
                recent.clear();
            }
            recent.entry((version, id)).or_default().clone()
        };
        slot.get_or_init(|| {
            B64.encode(if version == 2 {
                self.sign_sha256(msg)
            } else {
                self.sign_sha1(msg)
            })
        })
        .clone()
    }

    fn sign_sha256(&self, msg: &[u8]) -> Vec<u8> {
        let mut sig = vec![0; self.key.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        if let Err(e) = self.key.sign(&RSA_PKCS1_SHA256, &rng, msg, &mut sig) {
            tracing::error!(error = %e, "RSA signing failed");
        }
        sig
    }

    fn sign_sha1(&self, msg: &[u8]) -> Vec<u8> {
        // DigestInfo prefix for SHA-1 (RFC 8017 §9.2 note 1).
        const PREFIX: [u8; 15] = [
            0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
            0x14,
        ];
        let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, msg);
        let k = self.crt.n_len;
        let t_len = PREFIX.len() + hash.as_ref().len();
        let mut em = vec![0xffu8; k];
        em[0] = 0;
        em[1] = 1;
        em[k - t_len - 1] = 0;
        em[k - t_len..k - hash.as_ref().len()].copy_from_slice(&PREFIX);
        em[k - hash.as_ref().len()..].copy_from_slice(hash.as_ref());
        let m = BigUint::from_bytes_be(&em);
        let c = &self.crt;
        let m1 = m.modpow(&c.dp, &c.p);
        let m2 = m.modpow(&c.dq, &c.q);
        let m2p = &m2 % &c.p;
        let diff = if m1 >= m2p {
            &m1 - &m2p
        } else {
            &m1 + &c.p - &m2p
        };
        let h = (&c.qinv * diff) % &c.p;
        let s = (m2 + h * &c.q) % &c.n;
        let bytes = s.to_bytes_be();
        let mut out = vec![0u8; k - bytes.len()];
        out.extend_from_slice(&bytes);
        out
    }
}

/// The string SNS signs: `key\nvalue\n` pairs in a fixed order.
pub fn string_to_sign(fields: &[(&str, Option<&str>)]) -> String {
    let mut out = String::new();
    for (k, v) in fields {
        if let Some(v) = v {
            out.push_str(k);
            out.push('\n');
            out.push_str(v);
            out.push('\n');
        }
    }
    out
}

// --- DER ---------------------------------------------------------------------------------

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    der(0x30, &parts.concat())
}

fn oid(encoded: &[u8]) -> Vec<u8> {
    der(0x06, encoded)
}

fn der_time(t: time::OffsetDateTime) -> Vec<u8> {
    let (y, m, d) = (t.year(), u8::from(t.month()), t.day());
    let (hh, mm, ss) = (t.hour(), t.minute(), t.second());
    if (1950..2050).contains(&y) {
        let s = format!("{:02}{m:02}{d:02}{hh:02}{mm:02}{ss:02}Z", y % 100);
        der(0x17, s.as_bytes())
    } else {
        let s = format!("{y:04}{m:02}{d:02}{hh:02}{mm:02}{ss:02}Z");
        der(0x18, s.as_bytes())
    }
}

fn name(cn: &str) -> Vec<u8> {
    // Name ::= SEQUENCE OF SET OF AttributeTypeAndValue; CN = 2.5.4.3, O = 2.5.4.10.
    let rdn =
        |oid_bytes: &[u8], v: &str| der(0x31, &seq(&[oid(oid_bytes), der(0x0c, v.as_bytes())]));
    seq(&[
        rdn(&[0x55, 0x04, 0x0a], "eddy"),
        rdn(&[0x55, 0x04, 0x03], cn),
    ])
}

fn self_signed_cert(key: &KeyPair, cn: &str) -> Result<Vec<u8>, String> {
    // sha256WithRSAEncryption 1.2.840.113549.1.1.11 with NULL parameters.
    let alg = seq(&[
        oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]),
        vec![0x05, 0x00],
    ]);
    let mut serial = *uuid::Uuid::new_v4().as_bytes();
    serial[0] &= 0x7f;
    let now = time::OffsetDateTime::now_utc();
    let spki = key
        .public_key()
        .as_der()
        .map_err(|e| e.to_string())?
        .as_ref()
        .to_vec();
    let tbs = seq(&[
        der(0xa0, &der(0x02, &[2])), // v3
        der(0x02, &serial),
        alg.clone(),
        name(cn),
        seq(&[
            der_time(now - time::Duration::days(1)),
            der_time(now + time::Duration::days(3650)),
        ]),
        name(cn),
        spki,
    ]);
    let mut sig = vec![0; key.public_modulus_len()];
    let rng = aws_lc_rs::rand::SystemRandom::new();
    key.sign(&RSA_PKCS1_SHA256, &rng, &tbs, &mut sig)
        .map_err(|e| e.to_string())?;
    let mut bits = vec![0u8];
    bits.extend_from_slice(&sig);
    Ok(seq(&[tbs, alg, der(0x03, &bits)]))
}

/// A minimal DER reader: the next TLV's tag and content, and the rest.
fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&len0, rest) = rest.split_first()?;
    let (len, rest) = if len0 < 0x80 {
        (usize::from(len0), rest)
    } else {
        let n = usize::from(len0 & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, b| (a << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn parse_pkcs8(pkcs8: &[u8]) -> Option<Crt> {
    let (_, info, _) = read_tlv(pkcs8)?; // PrivateKeyInfo
    let (_, _version, rest) = read_tlv(info)?;
    let (_, _alg, rest) = read_tlv(rest)?;
    let (_, octets, _) = read_tlv(rest)?;
    let (_, rsa, _) = read_tlv(octets)?; // RSAPrivateKey
    let mut ints = Vec::new();
    let mut rest = rsa;
    while !rest.is_empty() {
        let (tag, v, r) = read_tlv(rest)?;
        if tag != 0x02 {
            return None;
        }
        ints.push(BigUint::from_bytes_be(v));
        rest = r;
    }
    // version, n, e, d, p, q, dp, dq, qinv
    if ints.len() < 9 {
        return None;
    }
    let n_len = ints[1].bits().div_ceil(8) as usize;
    Some(Crt {
        n_len,
        n: ints[1].clone(),
        p: ints[4].clone(),
        q: ints[5].clone(),
        dp: ints[6].clone(),
        dq: ints[7].clone(),
        qinv: ints[8].clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{
        RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey,
    };

    #[tokio::test]
    async fn signs_with_both_versions_and_survives_reload() {
        let storage: Arc<dyn Storage> = Arc::new(eddy_storage_mem::MemoryStorage::new());
        let s = Signer::load_or_create(&storage, "sns.test")
            .await
            .expect("key");
        let again = Signer::load_or_create(&storage, "sns.test")
            .await
            .expect("reload");
        assert_eq!(s.cert_path(), again.cert_path());
        let pk = s.key.public_key().as_ref().to_vec();
        let msg = b"Message\nhello\nMessageId\n1\n";
        for (v, alg) in [
            (1u8, &RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY),
            (2u8, &RSA_PKCS1_2048_8192_SHA256),
        ] {
            // The second call is answered from the cache of recent signatures.
            for _ in 0..2 {
                let sig = B64.decode(again.sign(v, msg)).expect("b64");
                UnparsedPublicKey::new(alg, &pk)
                    .verify(msg, &sig)
                    .unwrap_or_else(|e| panic!("version {v} verifies: {e}"));
            }
            let other = B64.decode(again.sign(v, b"another text")).expect("b64");
            assert!(
                UnparsedPublicKey::new(alg, &pk)
                    .verify(msg, &other)
                    .is_err(),
                "a cached signature is never reused for another text"
            );
        }
        let pem = s.cert_pem();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    }
}
