//! Personal data at rest: XChaCha20-Poly1305 under a data key, and keyed hashes for the
//! exact-match lookups (sign-in by phone, duplicate ID numbers) that must never need
//! the clear value.
//!
//! A keyring holds one primary key, which encrypts, and during a rotation the keys it
//! replaces, which still decrypt. Each ciphertext names its key, so a reader can always
//! pick the right one. Keys come from `YOUTHLOOP_DATA_KEY` or a key file (one
//! `ID HEX` line per key, the primary first); a key file is re-read when it changes, so
//! running servers follow a rotation without a restart.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{StoreError, StoreResult};

/// One 256-bit data key and its short id.
#[derive(Clone)]
pub struct DataKey {
    id: String,
    bytes: [u8; 32],
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key itself, not even in a debug log.
        write!(f, "DataKey({})", self.id)
    }
}

impl DataKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self::from_bytes(bytes)
    }

    fn from_bytes(bytes: [u8; 32]) -> Self {
        let id = hex::encode(&Sha256::digest(bytes)[..4]);
        Self { id, bytes }
    }

    /// 64 hexadecimal characters.
    pub fn from_hex(text: &str) -> StoreResult<Self> {
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                StoreError::Other("a data key is 64 hexadecimal characters".to_owned())
            })?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    fn lookup_key(&self) -> [u8; 32] {
        // A separate key for lookups, so that a hash never helps against the cipher.
        hmac(&self.bytes, &[b"youthloop lookup v1"])
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        // HMAC takes a key of any length, so this branch cannot run.
        return [0; 32];
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

#[derive(Debug, Clone)]
struct Keys {
    primary: DataKey,
    retired: Vec<DataKey>,
}

/// The keys in force, shared by every connection of a store.
#[derive(Debug, Clone)]
pub struct Keyring {
    keys: Arc<RwLock<Keys>>,
    file: Option<Arc<KeyFile>>,
}

#[derive(Debug)]
struct KeyFile {
    path: PathBuf,
    seen: RwLock<(Option<SystemTime>, Instant)>,
}

const PREFIX: &str = "x1";

impl Keyring {
    pub fn single(key: DataKey) -> Self {
        Self {
            keys: Arc::new(RwLock::new(Keys {
                primary: key,
                retired: Vec::new(),
            })),
            file: None,
        }
    }

    /// Reads a key file; with `create`, makes one (mode 0600) holding a new key.
    pub fn from_file(path: &Path, create: bool) -> StoreResult<Self> {
        if !path.exists() {
            if !create {
                return Err(StoreError::Other(format!(
                    "the key file {} is missing",
                    path.display()
                )));
            }
            write_key_file(path, &[DataKey::generate()])?;
        }
        let keys = read_key_file(path)?;
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        Ok(Self {
            keys: Arc::new(RwLock::new(keys)),
            file: Some(Arc::new(KeyFile {
                path: path.to_owned(),
                seen: RwLock::new((modified, Instant::now())),
            })),
        })
    }

    pub fn key_file(&self) -> Option<&Path> {
        self.file.as_deref().map(|f| f.path.as_path())
    }

    /// Follows a key file that changed (a rotation), checking at most once a second.
    fn refresh(&self) {
        let Some(file) = &self.file else { return };
        let due = file
            .seen
            .read()
            .map(|s| s.1.elapsed() > Duration::from_secs(1))
            .unwrap_or(false);
        if !due {
            return;
        }
        let modified = std::fs::metadata(&file.path)
            .and_then(|m| m.modified())
            .ok();
        let Ok(mut seen) = file.seen.write() else {
            return;
        };
        let changed = modified != seen.0;
        *seen = (modified, Instant::now());
        if changed {
            match read_key_file(&file.path) {
                Ok(keys) => {
                    if let Ok(mut current) = self.keys.write() {
                        tracing::info!(primary = keys.primary.id(), "data keys reloaded");
                        *current = keys;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot reload the key file; keeping the keys in force")
                }
            }
        }
    }

    fn keys(&self) -> Keys {
        self.refresh();
        match self.keys.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn primary_id(&self) -> String {
        self.keys().primary.id
    }

    /// Encrypts `clear` for the column and row named by `context`, under the primary key.
    pub fn seal(&self, context: &str, clear: &str) -> StoreResult<String> {
        let key = self.keys().primary;
        let cipher = XChaCha20Poly1305::new((&key.bytes).into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: clear.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| StoreError::Other("encryption failed".to_owned()))?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&sealed);
        Ok(format!(
            "{PREFIX}.{}.{}",
            key.id,
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(blob)
        ))
    }

    /// Decrypts what [`Keyring::seal`] made for the same `context`.
    pub fn open(&self, context: &str, sealed: &str) -> StoreResult<String> {
        let bad = |why: &str| StoreError::Other(format!("cannot decrypt {context}: {why}"));
        let mut parts = sealed.splitn(3, '.');
        let (Some(PREFIX), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("not a sealed value"));
        };
        let keys = self.keys();
        let key = std::iter::once(&keys.primary)
            .chain(&keys.retired)
            .find(|k| k.id == id)
            .ok_or_else(|| bad("its key is not in the keyring"))?;
        let blob = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(body)
            .map_err(|_| bad("bad encoding"))?;
        if blob.len() < 24 {
            return Err(bad("too short"));
        }
        let (nonce, sealed) = blob.split_at(24);
        let cipher = XChaCha20Poly1305::new((&key.bytes).into());
        let clear = cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| bad("it was altered or moved"))?;
        String::from_utf8(clear).map_err(|_| bad("not text"))
    }

    /// Whether a sealed value is under the primary key already.
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed.split('.').nth(1) == Some(self.keys().primary.id.as_str())
    }

    /// The keyed hash of a value under the primary key, for exact-match lookups.
    pub fn lookup(&self, kind: &str, value: &str) -> String {
        lookup_under(&self.keys().primary, kind, value)
    }

    /// The hashes under every key in force: a lookup during a rotation tries them all.
    pub fn lookups(&self, kind: &str, value: &str) -> Vec<String> {
        let keys = self.keys();
        std::iter::once(&keys.primary)
            .chain(&keys.retired)
            .map(|k| lookup_under(k, kind, value))
            .collect()
    }
}

fn lookup_under(key: &DataKey, kind: &str, value: &str) -> String {
    hex::encode(hmac(
        &key.lookup_key(),
        &[kind.as_bytes(), b"\0", value.as_bytes()],
    ))
}

fn read_key_file(path: &Path) -> StoreResult<Keys> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| StoreError::Other(format!("reading {}: {e}", path.display())))?;
    let mut keys = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| DataKey::from_hex(line.split_whitespace().last().unwrap_or("")))
        .collect::<StoreResult<Vec<_>>>()?;
    if keys.is_empty() {
        return Err(StoreError::Other(format!(
            "{} holds no key",
            path.display()
        )));
    }
    let primary = keys.remove(0);
    Ok(Keys {
        primary,
        retired: keys,
    })
}

/// Writes a key file atomically, readable by its owner only; the first key is primary.
pub fn write_key_file(path: &Path, keys: &[DataKey]) -> StoreResult<()> {
    let io = |e: std::io::Error| StoreError::Other(format!("writing {}: {e}", path.display()));
    let mut text = String::from(
        "# youthloop data keys: the first encrypts, all decrypt. Keep this file secret.\n",
    );
    for key in keys {
        text.push_str(&format!("{} {}\n", key.id, hex::encode(key.bytes)));
    }
    let tmp = path.with_extension("key.tmp");
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)
}

/// The keys of a key file, primary first.
pub fn key_file_keys(path: &Path) -> StoreResult<Vec<DataKey>> {
    let keys = read_key_file(path)?;
    Ok(std::iter::once(keys.primary).chain(keys.retired).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_open_only_in_their_context_and_name_their_key() {
        let ring = Keyring::single(DataKey::generate());
        let sealed = ring.seal("phone:u1", "13800000001").unwrap();
        assert!(!sealed.contains("13800000001"));
        assert_ne!(
            sealed,
            ring.seal("phone:u1", "13800000001").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(ring.open("phone:u1", &sealed).unwrap(), "13800000001");
        assert!(
            ring.open("phone:u2", &sealed).is_err(),
            "moved to another row"
        );
        let mut tampered = sealed.clone();
        tampered.pop();
        assert!(ring.open("phone:u1", &tampered).is_err());
        let other = Keyring::single(DataKey::generate());
        assert!(other.open("phone:u1", &sealed).is_err());
    }

    #[test]
    fn lookups_are_keyed_and_stable() {
        let key = DataKey::generate();
        let ring = Keyring::single(key.clone());
        assert_eq!(
            ring.lookup("phone", "1"),
            Keyring::single(key).lookup("phone", "1")
        );
        assert_ne!(ring.lookup("phone", "1"), ring.lookup("id", "1"));
        assert_ne!(
            ring.lookup("phone", "1"),
            Keyring::single(DataKey::generate()).lookup("phone", "1")
        );
    }

    #[test]
    fn key_files_are_private_and_rotate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.key");
        let ring = Keyring::from_file(&path, true).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let old = ring.seal("c", "secret").unwrap();
        let new_key = DataKey::generate();
        let mut keys = key_file_keys(&path).unwrap();
        keys.insert(0, new_key.clone());
        write_key_file(&path, &keys).unwrap();
        let reread = Keyring::from_file(&path, false).unwrap();
        assert_eq!(reread.primary_id(), new_key.id());
        assert_eq!(
            reread.open("c", &old).unwrap(),
            "secret",
            "retired keys still decrypt"
        );
        assert!(!reread.is_current(&old));
        assert!(DataKey::from_hex("abc").is_err());
        assert!(Keyring::from_file(&dir.path().join("missing.key"), false).is_err());
    }
}
