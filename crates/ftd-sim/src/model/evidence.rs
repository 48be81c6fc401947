//! The read-only LINA commands an operator captures before and after a change (issue 13):
//! `show interface ip brief`, `show route summary`, `show conn count`, `show xlate count`.
//! UNVERIFIED: `shared/domain/ftd-cli.md` quotes none of them; the layouts follow the ASA
//! software these FTD versions run as LINA (columns of `show interface ip brief`, the
//! `Route Source` table, `N in use, M most used`), and parsers must stay lenient.

/// The unit's data interfaces: (name, nameif, address of the active unit, of the standby).
const INTERFACES: [(&str, &str, &str, &str); 4] = [
    (
        "GigabitEthernet0/0",
        "outside",
        "203.0.113.1",
        "203.0.113.2",
    ),
    (
        "GigabitEthernet0/1",
        "inside",
        "198.51.100.1",
        "198.51.100.2",
    ),
    ("GigabitEthernet0/2", "FailOver", "192.0.2.1", "192.0.2.2"),
    ("Management0/0", "diagnostic", "unassigned", "unassigned"),
];

/// `show interface ip brief`; an interface named by the `interface-down` fault is down once
/// the unit runs the upgraded version.
pub fn interface_ip_brief(down: Option<&str>, active: bool) -> String {
    let mut out = String::from(
        "Interface                  IP-Address      OK? Method Status                Protocol\n",
    );
    for (name, nameif, active_ip, standby_ip) in INTERFACES {
        let ip = if active { active_ip } else { standby_ip };
        let is_down = down.is_some_and(|d| d == name || d == nameif);
        let (status, protocol) = if is_down {
            ("down", "down")
        } else {
            ("up", "up")
        };
        out.push_str(&format!(
            "{name:<26} {ip:<15} YES CONFIG {status:<21} {protocol}\n"
        ));
    }
    out
}

/// `show route summary`: connected and static routes, and OSPF's.
pub fn route_summary(fewer: bool) -> String {
    let (ospf, total_subnets) = if fewer { (2, 4) } else { (10, 12) };
    format!(
        "IP routing table maximum-paths is 8\n\
         Route Source    Networks    Subnets     Replicates  Overhead    Memory (bytes)\n\
         connected       2           2           0           336         576\n\
         static          1           0           0           88          144\n\
         ospf 1          0           {ospf}          0           1400        1440\n\
           Intra-area: {ospf} Inter-area: 0 External-1: 0 External-2: 0\n\
         internal        3                                               1032\n\
         Total           3           {total_subnets}          0           1824        3192\n"
    )
}

/// `show conn count` / `show xlate count`: `N in use, M most used`.
pub fn count(in_use: u64, most: u64) -> String {
    format!("{in_use} in use, {most} most used\n")
}
