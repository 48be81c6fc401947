//! Following a growing file on the device: each poll reads only the bytes added since the
//! last one (`tail -c +N`), so the cost of a poll does not grow with the log.

use super::OpError;
use crate::session::CliSession;

#[derive(Debug, Clone)]
pub struct FileFollower {
    pub path: String,
    /// Bytes of the file already read.
    pub offset: usize,
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

    /// Reads what was appended; false when the file does not exist (yet).
    pub async fn poll(&mut self, s: &mut CliSession) -> Result<bool, OpError> {
        let (out, status) = s
            .root(&format!(
                "tail -c +{} {} 2>/dev/null",
                self.offset + 1,
                self.path
            ))
            .await?;
        if status != 0 {
            return Ok(false);
        }
        self.offset += out.len();
        self.text.push_str(&out);
        Ok(true)
    }
}
