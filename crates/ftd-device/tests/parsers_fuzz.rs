//! No input makes a parser panic: random text, and real transcripts cut and spliced at
//! random places. A bounded run in CI; `PROPTEST_CASES=100000 cargo test -p ftd-device
//! --test parsers_fuzz` for a long one.

use ftd_device::parse::{failover_state, listing, show_failover, show_version, status_files};
use ftd_device::prompt;
use ftd_device::version::{Package, Version};
use proptest::prelude::*;

const REAL: [&str; 5] = [
    include_str!("fixtures/failover_state_seed_standby.txt"),
    include_str!("fixtures/show_failover_tac225852.txt"),
    include_str!("fixtures/show_version_lina_asa5516.txt"),
    include_str!("fixtures/upgrade_readiness_status_seed_wrapped.txt"),
    include_str!("fixtures/failover_state_seed_flattened.txt"),
];

fn all_parsers(text: &str) {
    let _ = failover_state::parse(text);
    let _ = show_failover::parse(text);
    let _ = show_version::parse(text);
    let _ = status_files::parse_steps(text);
    let _ = status_files::readiness_progress(text, Some(text));
    let _ = status_files::upgrade_status_json(text);
    let _ = status_files::status_log(text);
    let _ = status_files::main_script_log(text);
    let _ = listing::ls_long(text);
    let _ = listing::df_available(text);
    let _ = prompt::detect(text);
    let _ = Version::parse(text);
    let _ = Package::parse(text);
}

/// A command's whole answer as a PTY delivers it: echo, output, prompt.
fn answer(output: &str) -> String {
    format!(
        "show failover state\r\n{}\r\nroot@fw-7:/ngfw/var/sf/updates# ",
        output.replace('\n', "\r\n")
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Reading in random chunks: no partial buffer is taken for the end of the command, and
    /// the whole one always is (a prompt missing only its trailing space is the prompt).
    #[test]
    fn prompt_is_seen_only_at_the_end(which in 0usize..3, cuts in prop::collection::vec(0usize..4000, 0..12)) {
        let text = answer([REAL[0], REAL[1], REAL[2]][which]);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (text.len() - 1)).filter(|c| text.is_char_boundary(*c)).collect();
        cuts.sort();
        for c in cuts {
            prop_assert_ne!(prompt::detect(&text[..c]), Some(prompt::Prompt::Root), "cut at {}", c);
        }
        prop_assert_eq!(prompt::detect(&text), Some(prompt::Prompt::Root));
    }

    #[test]
    fn random_text(text in "\\PC{0,400}") {
        all_parsers(&text);
    }

    #[test]
    fn spliced_transcripts(a in 0usize..5, b in 0usize..5, cut_a in 0usize..4000, cut_b in 0usize..4000, noise in "[ \\t\\r\\n#>%-]{0,20}") {
        let (x, y) = (REAL[a], REAL[b]);
        let cut = |s: &str, at: usize| { let mut i = at.min(s.len()); while !s.is_char_boundary(i) { i -= 1; } i };
        let text = format!("{}{}{}", &x[..cut(x, cut_a)], noise, &y[cut(y, cut_b)..]);
        all_parsers(&text);
    }
}
