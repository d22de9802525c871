//! Secrets for a headless server without a Secret Service: one file per secret in a credentials
//! directory, the way systemd's `LoadCredential=` hands them to a service (`$CREDENTIALS_DIRECTORY`)
//! or as `WASEL_CREDENTIALS_DIR` names. A file that its group or others may read, or a directory
//! others may write to, is refused: a secret on a shared machine must be the service's alone.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{SecretError, SecretStore};

#[derive(Debug, Clone)]
pub struct CredentialsDir {
    dir: PathBuf,
}

impl CredentialsDir {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `WASEL_CREDENTIALS_DIR`, else systemd's `CREDENTIALS_DIRECTORY`, when either is set.
    pub fn from_env() -> Option<Self> {
        ["WASEL_CREDENTIALS_DIR", "CREDENTIALS_DIRECTORY"]
            .iter()
            .find_map(|k| std::env::var_os(k).filter(|v| !v.is_empty()))
            .map(Self::new)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// An account (`<installation>/<provider>/<field>`) as a file name: letters, digits, `.`, `-`
    /// and `_` stay, everything else becomes `%XX`, so no name can climb out of the directory.
    pub fn file_name(account: &str) -> String {
        let mut out = String::with_capacity(account.len());
        for b in account.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_') || (b == b'.' && !out.is_empty()) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }

    fn path(&self, account: &str) -> PathBuf {
        self.dir.join(Self::file_name(account))
    }

    fn check_dir(&self) -> Result<(), SecretError> {
        let meta = std::fs::metadata(&self.dir)
            .map_err(|e| SecretError::Unavailable(format!("credentials directory {}: {e}", self.dir.display())))?;
        if !meta.is_dir() {
            return Err(SecretError::Unavailable(format!("{} is not a directory", self.dir.display())));
        }
        if mode(&meta) & 0o022 != 0 {
            return Err(SecretError::Exposed(self.dir.display().to_string()));
        }
        Ok(())
    }
}

#[cfg(unix)]
fn mode(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode()
}

#[cfg(not(unix))]
fn mode(_meta: &std::fs::Metadata) -> u32 {
    0
}

impl SecretStore for CredentialsDir {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        self.check_dir()?;
        let path = self.path(account);
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(SecretError::Failed(format!("{}: {e}", path.display()))),
        };
        if mode(&meta) & 0o077 != 0 {
            return Err(SecretError::Exposed(path.display().to_string()));
        }
        let text =
            std::fs::read_to_string(&path).map_err(|e| SecretError::Failed(format!("{}: {e}", path.display())))?;
        // A trailing newline from `echo` or an editor is not part of the secret.
        Ok(Some(text.trim_end_matches(['\r', '\n']).to_owned()))
    }

    /// Writes the file 0600 through a temporary file and a rename, so a crash never leaves half a
    /// secret (systemd's own credentials are read-only; this is for `wasel providers set`).
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        self.check_dir()?;
        let path = self.path(account);
        let tmp = self.dir.join(format!(".{}.tmp", Self::file_name(account)));
        let fail = |e: std::io::Error| SecretError::Failed(format!("{}: {e}", path.display()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(fail)?;
        file.write_all(secret.as_bytes()).and_then(|()| file.sync_all()).map_err(fail)?;
        std::fs::rename(&tmp, &path).map_err(fail)
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        match std::fs::remove_file(self.path(account)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(SecretError::Failed(e.to_string())),
        }
    }

    fn probe(&self) -> Result<(), SecretError> {
        self.check_dir()
    }

    fn name(&self) -> &'static str {
        "credentials-directory"
    }
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn dir() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        d
    }

    #[test]
    fn a_secret_is_written_0600_and_read_back_without_its_newline() {
        let d = dir();
        let store = CredentialsDir::new(d.path());
        store.set("inst/twilio/auth_token", "s3cret").unwrap();
        let path = d.path().join(CredentialsDir::file_name("inst/twilio/auth_token"));
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(store.get("inst/twilio/auth_token").unwrap().as_deref(), Some("s3cret"));
        std::fs::write(&path, "s3cret\n").unwrap();
        assert_eq!(store.get("inst/twilio/auth_token").unwrap().as_deref(), Some("s3cret"));
        assert_eq!(store.get("inst/other").unwrap(), None);
        store.delete("inst/twilio/auth_token").unwrap();
        assert_eq!(store.get("inst/twilio/auth_token").unwrap(), None);
    }

    #[test]
    fn a_file_others_can_read_is_refused() {
        let d = dir();
        let store = CredentialsDir::new(d.path());
        store.set("a", "x").unwrap();
        let path = d.path().join("a");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(store.get("a").unwrap_err().code(), "keychain.file_exposed");
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(store.probe().unwrap_err().code(), "keychain.file_exposed");
    }

    #[test]
    fn names_cannot_climb_out_of_the_directory() {
        assert_eq!(CredentialsDir::file_name("../etc/passwd"), "%2E.%2Fetc%2Fpasswd");
        assert_eq!(CredentialsDir::file_name("inst/fcm/key"), "inst%2Ffcm%2Fkey");
    }
}
