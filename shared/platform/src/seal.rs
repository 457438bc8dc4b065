//! Sealing hub tokens with `MILLM_SECRET_KEY` (AES-256-GCM).
//!
//! A token from a request is sealed at the edge and stored only sealed: in the record, so a
//! re-queued download still has it, and in the job. Only the downloader opens it, right
//! before it talks to the hub.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use millm_contract::config::{Secret, SecretKey};
use millm_contract::jobs::SealedToken;

const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct Sealer {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer([redacted])")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed value does not open with this MILLM_SECRET_KEY")]
    WrongKey,
}

impl Sealer {
    pub fn new(key: &SecretKey) -> Self {
        Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key.0)),
        }
    }

    /// `v1:` + hex(nonce ‖ ciphertext ‖ tag); a fresh nonce each time.
    pub fn seal(&self, secret: &Secret) -> SealedToken {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, secret.expose().as_bytes())
            .expect("AES-GCM encryption of a short token cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        SealedToken::from_sealed(format!("{PREFIX}{}", hex::encode(bytes)))
    }

    pub fn open(&self, sealed: &SealedToken) -> Result<Secret, SealError> {
        let body = sealed.as_str().strip_prefix(PREFIX).ok_or(SealError::Malformed)?;
        let bytes = hex::decode(body).map_err(|_| SealError::Malformed)?;
        if bytes.len() <= NONCE_LEN {
            return Err(SealError::Malformed);
        }
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), data)
            .map_err(|_| SealError::WrongKey)?;
        String::from_utf8(plain)
            .map(Secret::new)
            .map_err(|_| SealError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_with_its_key_only() {
        let sealer = Sealer::new(&SecretKey([7; 32]));
        let sealed = sealer.seal(&Secret::new("hf_secret_token"));
        assert!(!sealed.as_str().contains("hf_secret_token"));
        assert_eq!(sealer.open(&sealed).unwrap().expose(), "hf_secret_token");
        let other = Sealer::new(&SecretKey([8; 32]));
        assert_eq!(other.open(&sealed), Err(SealError::WrongKey));
        assert_eq!(
            sealer.open(&SealedToken::from_sealed("garbage".into())),
            Err(SealError::Malformed)
        );
    }

    #[test]
    fn sealing_twice_gives_different_text() {
        let sealer = Sealer::new(&SecretKey([7; 32]));
        let token = Secret::new("t");
        assert_ne!(sealer.seal(&token), sealer.seal(&token));
    }
}
