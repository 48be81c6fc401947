//! The read-only LINA captures of a change's before/after evidence: `show interface ip
//! brief`, `show route summary`, `show conn count`, `show xlate count`. UNVERIFIED: the domain
//! file quotes none of them (ASA layouts); the parsers take what they recognise and skip the
//! rest, so a capture they cannot read is kept raw and compared by what was read.

use super::normalize;
use serde::{Deserialize, Serialize};

/// One line of `show interface ip brief`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceLine {
    pub name: String,
    pub address: String,
    /// `up`, `down`, `administratively down`.
    pub status: String,
    pub protocol: String,
}

impl InterfaceLine {
    pub fn is_up(&self) -> bool {
        self.status == "up" && self.protocol == "up"
    }
}

/// Interface lines: `NAME ADDRESS OK? METHOD STATUS... PROTOCOL`.
pub fn interfaces(text: &str) -> Vec<InterfaceLine> {
    normalize(text)
        .lines()
        .filter_map(|line| {
            let w: Vec<&str> = line.split_whitespace().collect();
            if w.len() < 6 || w[0] == "Interface" || !matches!(w[2], "YES" | "NO") {
                return None;
            }
            Some(InterfaceLine {
                name: w[0].to_string(),
                address: w[1].to_string(),
                status: w[4..w.len() - 1].join(" "),
                protocol: w[w.len() - 1].to_string(),
            })
        })
        .collect()
}

/// Networks plus subnets of the `Total` line of `show route summary`.
pub fn route_total(text: &str) -> Option<u64> {
    normalize(text).lines().find_map(|line| {
        let w: Vec<&str> = line.split_whitespace().collect();
        (w.first() == Some(&"Total") && w.len() >= 3)
            .then(|| Some(w[1].parse::<u64>().ok()? + w[2].parse::<u64>().ok()?))
            .flatten()
    })
}

/// `N in use, M most used` → N.
pub fn in_use(text: &str) -> Option<u64> {
    normalize(text).lines().find_map(|line| {
        let (n, rest) = line.trim().split_once(' ')?;
        rest.starts_with("in use").then(|| n.parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BRIEF: &str = "Interface                  IP-Address      OK? Method Status                Protocol\r\n\
GigabitEthernet0/0         203.0.113.1     YES CONFIG up                    up\r\n\
GigabitEthernet0/1         unassigned      YES unset  administratively down down\r\n";

    #[test]
    fn interface_lines_with_two_word_statuses() {
        let i = interfaces(BRIEF);
        assert_eq!(i.len(), 2);
        assert!(i[0].is_up());
        assert_eq!(i[1].status, "administratively down");
        assert!(!i[1].is_up());
    }

    #[test]
    fn totals_and_counts() {
        let summary = "Route Source    Networks    Subnets\nconnected 2 2 0\nTotal           3           12          0    1824   3192\n";
        assert_eq!(route_total(summary), Some(15));
        assert_eq!(route_total("nothing"), None);
        assert_eq!(in_use("1534 in use, 4210 most used\r\n"), Some(1534));
        assert_eq!(in_use("% Invalid input"), None);
    }
}
