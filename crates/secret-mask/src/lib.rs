//! One masker for every place a secret could leak: module results, the journal, messages.
//! Secrets are replaced longest first, so that a secret containing another is masked whole.
//! Knows nothing of Ansible or FTD.

use serde_json::Value;

/// What a secret's value becomes wherever it appears.
pub const MASK: &str = "********";

/// The secret values of one run. Cloneable so that journals and logs can use the same guard.
#[derive(Clone, Default)]
pub struct Masker {
    secrets: Vec<String>,
}

/// Says how many secrets it holds, never which.
impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Masker({} secrets)", self.secrets.len())
    }
}

impl Masker {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        // Longest first, so that a secret containing another is masked whole.
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Masker { secrets }
    }

    pub fn add(&mut self, secret: &str) {
        if !secret.is_empty() && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_string());
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }

    pub fn value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.value(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.text(k), self.value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// The query string of a URL in `text` (`X-Amz-Signature=...&X-Amz-Credential=...` of a
/// presigned URL, `token=...`): a credential as often as not, so it is a secret wherever the
/// URL is shown. None when `text` holds no `scheme://...?query`.
pub fn url_query(text: &str) -> Option<&str> {
    let after_scheme = text.find("://")? + 3;
    let start = after_scheme + text[after_scheme..].find('?')? + 1;
    let end = text[start..]
        .find(['#', ' ', '\'', '"'])
        .map_or(text.len(), |e| start + e);
    (end > start).then(|| &text[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_url_query_is_found_wherever_the_url_is() {
        let presigned = "https://bucket.s3.amazonaws.com/Cisco_FTD_Upgrade-7.4.2-172.sh.REL.tar?X-Amz-Credential=AKIA%2F&X-Amz-Signature=abc123";
        assert_eq!(
            url_query(presigned),
            Some("X-Amz-Credential=AKIA%2F&X-Amz-Signature=abc123")
        );
        assert_eq!(
            url_query("https://h/p.tar?token=t0k#frag"),
            Some("token=t0k")
        );
        assert_eq!(url_query("https://h/p.tar"), None);
        assert_eq!(url_query("https://h/p.tar?"), None);
        assert_eq!(url_query("what? no url"), None);
        let m = Masker::new(url_query(presigned).map(String::from));
        assert_eq!(
            m.text(&format!("download {presigned} failed")),
            "download https://bucket.s3.amazonaws.com/Cisco_FTD_Upgrade-7.4.2-172.sh.REL.tar?******** failed"
        );
    }

    #[test]
    fn masks_everywhere_in_nested_values() {
        let m = Masker::new(["s3cret".to_string(), String::new()]);
        let v = m.value(
            &json!({"msg": "auth s3cret failed", "lines": ["x s3cret"], "s3cret": 1, "n": 5}),
        );
        assert_eq!(
            v,
            json!({"msg": "auth ******** failed", "lines": ["x ********"], "********": 1, "n": 5})
        );
    }

    #[test]
    fn a_secret_inside_another_is_masked_whole() {
        let m = Masker::new(["abc".to_string(), "xxabcyy".to_string()]);
        assert_eq!(m.text("xxabcyy and abc"), "******** and ********");
        let mut added = Masker::default();
        added.add("abc");
        added.add("xxabcyy");
        assert_eq!(added.text("xxabcyy"), "********");
    }

    #[test]
    fn debug_shows_no_secret() {
        let m = Masker::new(["hunter2".to_string()]);
        assert_eq!(format!("{m:?}"), "Masker(1 secrets)");
    }

    #[test]
    fn empty_secret_masks_nothing() {
        assert_eq!(Masker::new([String::new()]).text("hello"), "hello");
    }
}
