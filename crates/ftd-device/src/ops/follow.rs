//! Following a growing file on the device by byte offsets taken on the device: each poll asks
//! the file's size (`stat -c %s`) and reads exactly the bytes added since the last one
//! (`tail -c +N | head -c LEN`), so the cost of a poll does not grow with the log, and what
//! the PTY does to line ends (CRLF files arrive as CR CR LF) or to bytes that are not UTF-8
//! never shifts an offset.

use super::OpError;
use crate::session::CliSession;

#[derive(Debug, Clone)]
pub struct FileFollower {
    pub path: String,
    /// Bytes of the file already read, as the device counts them.
    pub offset: u64,
    pub text: String,
}

impl FileFollower {
    pub fn new(path: String) -> Self {
        FileFollower {
            path,
            offset: 0,
            text: String::new(),
        }
    }

    /// Reads what was appended; false when the file does not exist (yet). A file that
    /// shrank was replaced (a new run): it is read again from its start.
    pub async fn poll(&mut self, s: &mut CliSession) -> Result<bool, OpError> {
        let (out, status) = s
            .root(&format!("stat -c %s {} 2>/dev/null", self.path))
            .await?;
        let Some(size) = (status == 0)
            .then(|| out.trim().parse::<u64>().ok())
            .flatten()
        else {
            return Ok(false);
        };
        if size < self.offset {
            self.offset = 0;
            self.text.clear();
        }
        if size > self.offset {
            let (added, _) = s
                .root(&format!(
                    "tail -c +{} {} | head -c {}",
                    self.offset + 1,
                    self.path,
                    size - self.offset
                ))
                .await?;
            self.text.push_str(&added);
            self.offset = size;
        }
        Ok(true)
    }
}
