//! SFTP into a unit over its management SSH, as OpenSSH's sftp-server would serve the admin
//! user: files in the unit's tree, writable only where the admin may write, `/ngfw` full
//! refuses the write. Whether FTD's CiscoSSH accepts SFTP at all is UNVERIFIED (domain §11);
//! the `no-sftp` fault is the device that refuses it.

use super::UnitKey;
use crate::model::Sim;
use crate::model::clock::ls_stamp;
use crate::model::fs::{File as FsFile, writable_by_admin};
use crate::model::unit::Received;
use russh_sftp::protocol::{
    Attrs, Data, File, FileAttributes, Handle, Name, OpenFlags, Status, StatusCode, Version,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(super) struct SftpSession {
    pub sim: Arc<Mutex<Sim>>,
    pub key: UnitKey,
    handles: HashMap<String, String>,
    next: u64,
    /// The connection dropped (`download-drop`): nothing after it reaches the unit.
    lost: bool,
}

impl SftpSession {
    pub fn new(sim: Arc<Mutex<Sim>>, key: UnitKey) -> Self {
        SftpSession {
            sim,
            key,
            handles: HashMap::new(),
            next: 0,
            lost: false,
        }
    }

    fn absolute(path: &str) -> String {
        if path.starts_with('/') {
            path.to_string()
        } else if path.is_empty() || path == "." {
            "/home/admin".to_string()
        } else {
            format!("/home/admin/{path}")
        }
    }

    fn attrs(&self, path: &str) -> Result<FileAttributes, StatusCode> {
        let sim = self.sim.lock().unwrap();
        let fs = &sim.pairs[self.key.0].units[self.key.1].fs;
        let mut attrs = FileAttributes::default();
        match fs.get(path) {
            Some(f) => {
                attrs.size = Some(f.size());
                attrs.permissions = Some(0o100644);
            }
            None if fs.is_dir(path) || path == "/home/admin" => {
                attrs.size = Some(4096);
                attrs.permissions = Some(0o040755);
            }
            None => return Err(StatusCode::NoSuchFile),
        }
        Ok(attrs)
    }

    fn ok(id: u32) -> Status {
        Status {
            id,
            status_code: StatusCode::Ok,
            error_message: "Ok".into(),
            language_tag: "en-US".into(),
        }
    }
}

impl russh_sftp::server::Handler for SftpSession {
    type Error = StatusCode;

    fn unimplemented(&self) -> Self::Error {
        StatusCode::OpUnsupported
    }

    async fn init(
        &mut self,
        _version: u32,
        _ext: HashMap<String, String>,
    ) -> Result<Version, Self::Error> {
        Ok(Version::new())
    }

    async fn realpath(&mut self, id: u32, path: String) -> Result<Name, Self::Error> {
        Ok(Name {
            id,
            files: vec![File::dummy(Self::absolute(&path))],
        })
    }

    async fn stat(&mut self, id: u32, path: String) -> Result<Attrs, Self::Error> {
        let attrs = self.attrs(&Self::absolute(&path))?;
        Ok(Attrs { id, attrs })
    }

    async fn lstat(&mut self, id: u32, path: String) -> Result<Attrs, Self::Error> {
        self.stat(id, path).await
    }

    async fn fstat(&mut self, id: u32, handle: String) -> Result<Attrs, Self::Error> {
        let path = self
            .handles
            .get(&handle)
            .cloned()
            .ok_or(StatusCode::Failure)?;
        let attrs = self.attrs(&path)?;
        Ok(Attrs { id, attrs })
    }

    async fn setstat(
        &mut self,
        id: u32,
        _path: String,
        _attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        Ok(Self::ok(id))
    }

    async fn fsetstat(
        &mut self,
        id: u32,
        _handle: String,
        _attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        Ok(Self::ok(id))
    }

    async fn open(
        &mut self,
        id: u32,
        filename: String,
        pflags: OpenFlags,
        _attrs: FileAttributes,
    ) -> Result<Handle, Self::Error> {
        let path = Self::absolute(&filename);
        let writes = pflags.intersects(
            OpenFlags::WRITE | OpenFlags::APPEND | OpenFlags::CREATE | OpenFlags::TRUNCATE,
        );
        {
            let mut sim = self.sim.lock().unwrap();
            let stamp = ls_stamp(sim.clock.wall(sim.now()));
            let fs = &mut sim.pairs[self.key.0].units[self.key.1].fs;
            if writes {
                if !writable_by_admin(&path) {
                    return Err(StatusCode::PermissionDenied);
                }
                let exists = fs.get(&path).is_some();
                if !exists && !pflags.contains(OpenFlags::CREATE) {
                    return Err(StatusCode::NoSuchFile);
                }
                if !exists || pflags.contains(OpenFlags::TRUNCATE) {
                    fs.truncate(&path, 0);
                    fs.write_at(&path, 0, &[], &stamp);
                }
            } else if fs.get(&path).is_none() {
                return Err(StatusCode::NoSuchFile);
            }
        }
        self.next += 1;
        let handle = format!("h{}", self.next);
        self.handles.insert(handle.clone(), path);
        Ok(Handle { id, handle })
    }

    async fn write(
        &mut self,
        id: u32,
        handle: String,
        offset: u64,
        data: Vec<u8>,
    ) -> Result<Status, Self::Error> {
        let path = self
            .handles
            .get(&handle)
            .cloned()
            .ok_or(StatusCode::Failure)?;
        if self.lost {
            return Err(StatusCode::ConnectionLost);
        }
        let mut sim = self.sim.lock().unwrap();
        let stamp = ls_stamp(sim.clock.wall(sim.now()));
        match sim.pairs[self.key.0].units[self.key.1].receive(&path, offset, &data, &stamp) {
            Ok(()) => Ok(Self::ok(id)),
            // sftp-server answers ENOSPC with a plain failure.
            Err(Received::NoSpace) => Err(StatusCode::Failure),
            Err(Received::Dropped(_)) => {
                self.lost = true;
                Err(StatusCode::ConnectionLost)
            }
        }
    }

    async fn read(
        &mut self,
        id: u32,
        handle: String,
        offset: u64,
        len: u32,
    ) -> Result<Data, Self::Error> {
        let path = self
            .handles
            .get(&handle)
            .cloned()
            .ok_or(StatusCode::Failure)?;
        let sim = self.sim.lock().unwrap();
        let data: &[u8] = match sim.pairs[self.key.0].units[self.key.1].fs.get(&path) {
            Some(FsFile::Bytes(b)) => b,
            Some(FsFile::Text(t)) => t.as_bytes(),
            _ => return Err(StatusCode::Failure),
        };
        let start = (offset as usize).min(data.len());
        if start == data.len() {
            return Err(StatusCode::Eof);
        }
        let end = (start + len as usize).min(data.len());
        Ok(Data {
            id,
            data: data[start..end].to_vec(),
        })
    }

    async fn close(&mut self, id: u32, handle: String) -> Result<Status, Self::Error> {
        self.handles.remove(&handle);
        Ok(Self::ok(id))
    }

    async fn remove(&mut self, id: u32, filename: String) -> Result<Status, Self::Error> {
        let path = Self::absolute(&filename);
        if !writable_by_admin(&path) {
            return Err(StatusCode::PermissionDenied);
        }
        let mut sim = self.sim.lock().unwrap();
        sim.pairs[self.key.0].units[self.key.1].fs.remove(&path);
        Ok(Self::ok(id))
    }
}
