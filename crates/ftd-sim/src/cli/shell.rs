//! The expert/root bash shell, as far as an operator (and our modules) use it: the commands
//! of the issue, `;` `&&` `||` chains, `$?`, redirections to /dev/null, and
//! `install_update.pl`. Unknown commands answer `command not found`, status 127.

use super::coreutils;
use crate::model::fs::{File, hex};
use crate::model::{Sim, pair::Pair};
use md5::{Digest, Md5};
use sha2::Sha512;

/// Where a command runs.
pub struct ShellCtx<'a> {
    pub sim: &'a mut Sim,
    pub pair: usize,
    pub unit: usize,
    pub cwd: &'a mut String,
    pub last_status: &'a mut i32,
    pub root: bool,
    /// The terminal typing, so that the detached installer can keep printing into it.
    pub terminal: u64,
    /// A command that runs in the foreground over the network (`wget`, `scp`): the line
    /// stops here and goes on when the transfer ends (see [`resume`]).
    pub job: Option<super::transfer::Job>,
}

impl ShellCtx<'_> {
    pub(super) fn home(&self) -> &'static str {
        if self.root { "/root" } else { "/home/admin" }
    }

    pub(super) fn pair(&mut self) -> &mut Pair {
        &mut self.sim.pairs[self.pair]
    }

    pub(super) fn resolve(&self, path: &str) -> String {
        let joined = if path.starts_with('/') {
            path.to_string()
        } else if path == "~" || path.starts_with("~/") {
            format!("{}{}", self.home(), &path[1..])
        } else {
            format!("{}/{path}", self.cwd.trim_end_matches('/'))
        };
        let mut parts: Vec<&str> = Vec::new();
        for p in joined.split('/') {
            match p {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                other => parts.push(other),
            }
        }
        format!("/{}", parts.join("/"))
    }
}

/// How far a command line got.
#[derive(Debug)]
pub enum LineEnd {
    /// Every command ran; what they printed.
    Done(String),
    /// A transfer started in the foreground: what was printed before it, the transfer, and
    /// the rest of the line, which runs once it ends.
    Job {
        out: String,
        job: Box<super::transfer::Job>,
        rest: Chain,
    },
}

/// The commands of a line still to run, each with how it joins the one before.
pub type Chain = Vec<(String, Joiner)>;

/// Runs one command line.
pub fn run_line(ctx: &mut ShellCtx, line: &str) -> LineEnd {
    run_chain(ctx, split_chain(line))
}

/// Goes on with a line after its foreground transfer ended with `status`.
pub fn resume(ctx: &mut ShellCtx, rest: Chain, status: i32) -> LineEnd {
    *ctx.last_status = status;
    run_chain(ctx, rest)
}

fn run_chain(ctx: &mut ShellCtx, chain: Chain) -> LineEnd {
    let mut out = String::new();
    let mut chain = chain.into_iter();
    while let Some((segment, joiner)) = chain.next() {
        let run = match joiner {
            Joiner::And => *ctx.last_status == 0,
            Joiner::Or => *ctx.last_status != 0,
            Joiner::Seq => true,
        };
        if !run {
            continue;
        }
        let expanded = segment.replace("$?", &ctx.last_status.to_string());
        let (text, status) = run_pipeline(ctx, &expanded);
        out.push_str(&text);
        *ctx.last_status = status;
        if let Some(job) = ctx.job.take() {
            return LineEnd::Job {
                out,
                job: Box::new(job),
                rest: chain.collect(),
            };
        }
    }
    LineEnd::Done(out)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Joiner {
    Seq,
    And,
    Or,
}

/// Splits on `;`, `&&`, `||` outside quotes. Each segment carries how it joins the previous.
fn split_chain(line: &str) -> Vec<(String, Joiner)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut joiner = Joiner::Seq;
    let mut quote: Option<char> = None;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
            }
            (None, ';') => {
                out.push((std::mem::take(&mut current), joiner));
                joiner = Joiner::Seq;
            }
            (None, '&') if chars.get(i + 1) == Some(&'&') => {
                out.push((std::mem::take(&mut current), joiner));
                joiner = Joiner::And;
                i += 1;
            }
            (None, '|') if chars.get(i + 1) == Some(&'|') => {
                out.push((std::mem::take(&mut current), joiner));
                joiner = Joiner::Or;
                i += 1;
            }
            (None, c) => current.push(c),
        }
        i += 1;
    }
    out.push((current, joiner));
    out.into_iter()
        .filter(|(s, _)| !s.trim().is_empty())
        .collect()
}

/// `a | b | c`: each command reads what the one before it printed; the status is the last's.
fn run_pipeline(ctx: &mut ShellCtx, segment: &str) -> (String, i32) {
    let mut stdin: Option<String> = None;
    let mut result = (String::new(), 0);
    for stage in split_pipes(segment) {
        result = run_simple(ctx, &stage, stdin.take());
        stdin = Some(std::mem::take(&mut result.0));
    }
    (stdin.unwrap_or_default(), result.1)
}

/// Splits on `|` outside quotes (`||` was split before, by [`split_chain`]).
fn split_pipes(segment: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quote: Option<char> = None;
    for c in segment.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '|') => {
                out.push(String::new());
                continue;
            }
            _ => {}
        }
        out.last_mut().unwrap().push(c);
    }
    out
}

fn run_simple(ctx: &mut ShellCtx, segment: &str, stdin: Option<String>) -> (String, i32) {
    let Some(words) = shlex::split(segment) else {
        return ("bash: syntax error: unterminated quoted string\n".into(), 2);
    };
    // Redirections to /dev/null only hide output; 2>/dev/null hides errors.
    let quiet_errors = words
        .iter()
        .any(|w| w == "2>/dev/null" || w == "&>/dev/null");
    let quiet_all = words
        .iter()
        .any(|w| w == ">/dev/null" || w == "&>/dev/null" || w == "1>/dev/null");
    let words: Vec<String> = words
        .into_iter()
        .filter(|w| {
            !matches!(
                w.as_str(),
                "2>/dev/null" | ">/dev/null" | "1>/dev/null" | "&>/dev/null" | "2>&1"
            )
        })
        .collect();
    let (words, target) = redirection(words);
    let Some((cmd, args)) = words.split_first() else {
        return (String::new(), *ctx.last_status);
    };
    let (mut text, status) = command(ctx, cmd, args, stdin);
    if let Some((path, append)) = target {
        let path = ctx.resolve(&path);
        let now = ctx.sim.now();
        let stamp = crate::model::clock::ls_stamp(ctx.sim.clock.wall(now));
        let unit = &mut ctx.sim.pairs[ctx.pair].units[ctx.unit];
        if append {
            unit.fs.append(&path, &text, &stamp);
        } else {
            unit.fs.write(&path, &text, &stamp);
        }
        text.clear();
    }
    if quiet_all || (quiet_errors && status != 0) {
        text.clear();
    }
    (text, status)
}

/// `cmd > file` / `cmd >> file` (also written `>file`): the words without the redirection,
/// and the file with whether to append.
fn redirection(words: Vec<String>) -> (Vec<String>, Option<(String, bool)>) {
    let mut kept = Vec::new();
    let mut target = None;
    let mut it = words.into_iter();
    while let Some(w) = it.next() {
        if w == ">" || w == ">>" {
            if let Some(path) = it.next() {
                target = Some((path, w == ">>"));
            }
        } else if let Some(path) = w.strip_prefix(">>").filter(|p| !p.is_empty()) {
            target = Some((path.to_string(), true));
        } else if let Some(path) = w.strip_prefix('>').filter(|p| !p.is_empty()) {
            target = Some((path.to_string(), false));
        } else {
            kept.push(w);
        }
    }
    (kept, target)
}

fn command(ctx: &mut ShellCtx, cmd: &str, args: &[String], stdin: Option<String>) -> (String, i32) {
    match cmd {
        "mkdir" => coreutils::mkdir(ctx, args),
        "mv" => coreutils::mv(ctx, args),
        "date" => coreutils::date(ctx, args),
        "stat" => coreutils::stat(ctx, args),
        "pgrep" => coreutils::pgrep(ctx, args),
        "pkill" => coreutils::pkill(ctx, args),
        "cd" => cd(ctx, args),
        "pwd" => (format!("{}\n", ctx.cwd), 0),
        "echo" => (format!("{}\n", args.join(" ")), 0),
        "true" => (String::new(), 0),
        "rm" => coreutils::rm(ctx, args),
        "false" => (String::new(), 1),
        "ls" => ls(ctx, args),
        "cat" => cat(ctx, args),
        "head" | "tail" => head_tail(ctx, cmd, args, stdin),
        "grep" => grep(ctx, args, stdin),
        "test" => (String::new(), test(ctx, args)),
        "[" if args.last().map(String::as_str) == Some("]") => {
            (String::new(), test(ctx, &args[..args.len() - 1]))
        }
        "md5sum" | "sha512sum" => checksum(ctx, cmd, args),
        "df" => coreutils::df(ctx, args),
        "printf" => coreutils::printf(args),
        "wget" => super::transfer::wget(ctx, args),
        "scp" => super::transfer::scp(ctx, args),
        "sudo" if ctx.root && !args.is_empty() => command(ctx, &args[0].clone(), &args[1..], stdin),
        "install_update.pl" | "/usr/local/sf/bin/install_update.pl" => install_update(ctx, args),
        _ => (format!("bash: {cmd}: command not found\n"), 127),
    }
}

fn cd(ctx: &mut ShellCtx, args: &[String]) -> (String, i32) {
    let target = args
        .first()
        .map(|a| ctx.resolve(a))
        .unwrap_or_else(|| ctx.home().to_string());
    let unit = &ctx.sim.pairs[ctx.pair].units[ctx.unit];
    if unit.fs.is_dir(&target) || target == "/root" || target == "/home/admin" || target == "/" {
        *ctx.cwd = target;
        (String::new(), 0)
    } else {
        (
            format!("bash: cd: {}: No such file or directory\n", args[0]),
            1,
        )
    }
}

fn ls(ctx: &mut ShellCtx, args: &[String]) -> (String, i32) {
    let long = args.iter().any(|a| a.starts_with('-') && a.contains('l'));
    let paths: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(|a| ctx.resolve(a))
        .collect();
    let paths = if paths.is_empty() {
        vec![ctx.cwd.clone()]
    } else {
        paths
    };
    let unit = &ctx.sim.pairs[ctx.pair].units[ctx.unit];
    let mut out = String::new();
    let mut status = 0;
    for path in paths {
        let entries = if unit.fs.is_dir(&path) {
            unit.fs.list(&path)
        } else if let Some(file) = unit.fs.get(&path) {
            vec![(path.clone(), false, file.size(), String::new())]
        } else if path == "/root" || path == "/home/admin" {
            vec![]
        } else {
            out.push_str(&format!(
                "ls: cannot access '{path}': No such file or directory\n"
            ));
            status = 2;
            continue;
        };
        let colour = ctx.sim.realism.ansi;
        let entries: Vec<_> = entries
            .into_iter()
            .map(|(name, dir, size, mtime)| {
                (coreutils::ls_colour(&name, dir, colour), dir, size, mtime)
            })
            .collect();
        if long {
            let total: u64 = entries.iter().map(|e| e.2.div_ceil(1024)).sum();
            out.push_str(&format!("total {total}\n"));
            for (name, dir, size, mtime) in entries {
                let mode = if dir { "drwxr-xr-x 2" } else { "-rw-r--r-- 1" };
                out.push_str(&format!("{mode} root root {size:>10} {mtime} {name}\n"));
            }
        } else {
            for (name, ..) in entries {
                out.push_str(&format!("{name}\n"));
            }
        }
    }
    (out, status)
}

pub(super) fn read(ctx: &ShellCtx, path: &str) -> Result<String, String> {
    let unit = &ctx.sim.pairs[ctx.pair].units[ctx.unit];
    match unit.fs.get(path) {
        Some(File::Text(t)) => Ok(t.clone()),
        Some(File::Package { .. }) => Ok("\u{7f}ELF(binary package content not shown)\n".into()),
        Some(File::Bytes(b)) => Ok(String::from_utf8_lossy(b).into_owned()),
        None if unit.fs.is_dir(path) => Err("Is a directory".into()),
        None => Err("No such file or directory".into()),
    }
}

fn cat(ctx: &mut ShellCtx, args: &[String]) -> (String, i32) {
    let mut out = String::new();
    let mut status = 0;
    let (now, timing) = (ctx.sim.now(), ctx.sim.timing);
    for a in args.iter().filter(|a| !a.starts_with('-')) {
        let path = ctx.resolve(a);
        match read(ctx, &path) {
            Ok(t) if path.ends_with("/upgrade_status.json") => {
                let unit = &mut ctx.sim.pairs[ctx.pair].units[ctx.unit];
                out.push_str(&unit.read_status_json(&t, now, &timing));
            }
            Ok(t) => out.push_str(&t),
            Err(e) => {
                out.push_str(&format!("cat: {a}: {e}\n"));
                status = 1;
            }
        }
    }
    (out, status)
}

/// `head`/`tail` with `-n N`, `-N`, and for tail `-c +N` (from byte N) and `-c N`.
fn head_tail(
    ctx: &mut ShellCtx,
    cmd: &str,
    args: &[String],
    stdin: Option<String>,
) -> (String, i32) {
    let mut lines: Option<usize> = Some(10);
    let mut bytes: Option<(bool, usize)> = None;
    let mut files = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "-n" || a == "-c" {
            let Some(v) = args.get(i + 1) else {
                return (
                    format!("{cmd}: option requires an argument -- '{}'\n", &a[1..]),
                    1,
                );
            };
            let from_start = v.starts_with('+');
            let Ok(n) = v.trim_start_matches('+').parse::<usize>() else {
                return (
                    format!(
                        "{cmd}: invalid number of {}: '{v}'\n",
                        if a == "-n" { "lines" } else { "bytes" }
                    ),
                    1,
                );
            };
            if a == "-n" {
                lines = Some(n);
            } else {
                bytes = Some((from_start, n));
                lines = None;
            }
            i += 2;
            continue;
        }
        if let Some(n) = a.strip_prefix('-').and_then(|n| n.parse().ok()) {
            lines = Some(n);
        } else {
            files.push(ctx.resolve(a));
        }
        i += 1;
    }
    let text = match (files.first(), stdin) {
        (None, Some(input)) => input,
        (None, None) => return (format!("{cmd}: no file given\n"), 1),
        (Some(path), _) => match read(ctx, path) {
            Ok(t) => t,
            Err(e) => return (format!("{cmd}: cannot open '{path}' for reading: {e}\n"), 1),
        },
    };
    let out = match (bytes, lines) {
        (Some((true, n)), _) => text
            .get(n.saturating_sub(1).min(text.len())..)
            .unwrap_or("")
            .to_string(),
        (Some((false, n)), _) if cmd == "tail" => text[text.len().saturating_sub(n)..].to_string(),
        (Some((false, n)), _) => text[..n.min(text.len())].to_string(),
        (None, Some(n)) => {
            let all: Vec<&str> = text.lines().collect();
            let picked = if cmd == "tail" {
                &all[all.len().saturating_sub(n)..]
            } else {
                &all[..n.min(all.len())]
            };
            picked.iter().map(|l| format!("{l}\n")).collect()
        }
        (None, None) => text,
    };
    (out, 0)
}

fn grep(ctx: &mut ShellCtx, args: &[String], stdin: Option<String>) -> (String, i32) {
    let count = args.iter().any(|a| a == "-c");
    let ignore_case = args.iter().any(|a| a == "-i");
    let rest: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let Some((pattern, files)) = rest.split_first() else {
        return ("Usage: grep [OPTION]... PATTERNS [FILE]...\n".into(), 2);
    };
    let mut out = String::new();
    let mut matched = 0;
    let mut inputs: Vec<Result<String, String>> = files
        .iter()
        .map(|f| read(ctx, &ctx.resolve(f)).map_err(|e| format!("grep: {f}: {e}\n")))
        .collect();
    if files.is_empty()
        && let Some(input) = stdin
    {
        inputs.push(Ok(input));
    }
    for input in inputs {
        let text = match input {
            Ok(t) => t,
            Err(e) => {
                out.push_str(&e);
                continue;
            }
        };
        let hits: Vec<&str> = text
            .lines()
            .filter(|l| {
                if ignore_case {
                    l.to_lowercase().contains(&pattern.to_lowercase())
                } else {
                    l.contains(pattern.as_str())
                }
            })
            .collect();
        matched += hits.len();
        if count {
            out.push_str(&format!("{}\n", hits.len()));
        } else {
            hits.iter().for_each(|h| out.push_str(&format!("{h}\n")));
        }
    }
    (out, if matched > 0 { 0 } else { 1 })
}

fn test(ctx: &mut ShellCtx, args: &[String]) -> i32 {
    let unit = &ctx.sim.pairs[ctx.pair].units[ctx.unit];
    let ok = match args {
        [flag, path] => {
            let p = ctx.resolve(path);
            match flag.as_str() {
                "-f" => unit.fs.get(&p).is_some(),
                "-d" => unit.fs.is_dir(&p),
                "-e" => unit.fs.get(&p).is_some() || unit.fs.is_dir(&p),
                "-s" => unit
                    .fs
                    .get(&p)
                    .is_some_and(|f| !matches!(f, File::Text(t) if t.is_empty())),
                _ => false,
            }
        }
        [word] => !word.is_empty(),
        _ => false,
    };
    if ok { 0 } else { 1 }
}

fn checksum(ctx: &mut ShellCtx, cmd: &str, args: &[String]) -> (String, i32) {
    let mut out = String::new();
    let mut status = 0;
    for a in args {
        let path = ctx.resolve(a);
        let unit = &ctx.sim.pairs[ctx.pair].units[ctx.unit];
        let sum = match unit.fs.get(&path) {
            Some(File::Package { md5, sha512, .. }) => Some(if cmd == "md5sum" {
                md5.clone()
            } else {
                sha512.clone()
            }),
            Some(File::Text(t)) => Some(digest(cmd, t.as_bytes())),
            Some(File::Bytes(b)) => Some(digest(cmd, b)),
            None => None,
        };
        match sum {
            Some(s) => out.push_str(&format!("{s}  {a}\n")),
            None => {
                out.push_str(&format!("{cmd}: {a}: No such file or directory\n"));
                status = 1;
            }
        }
    }
    (out, status)
}

fn digest(cmd: &str, bytes: &[u8]) -> String {
    if cmd == "md5sum" {
        hex(&Md5::digest(bytes))
    } else {
        hex(&Sha512::digest(bytes))
    }
}

fn install_update(ctx: &mut ShellCtx, args: &[String]) -> (String, i32) {
    if !ctx.root {
        return ("ERROR: install_update.pl must be run as root\n".into(), 1);
    }
    let now = ctx.sim.now();
    let (clock, timing) = (ctx.sim.clock, ctx.sim.timing);
    let cwd = ctx.cwd.clone();
    let (unit, terminal) = (ctx.unit, ctx.terminal);
    let (out, status) =
        ctx.pair().units[unit].install_update(now, &clock, &timing, args, &cwd, Some(terminal));
    if status == 0 {
        if args.iter().any(|a| a == "--readiness-check") {
            ctx.pair().readiness_started(unit, now);
        } else {
            ctx.pair().upgrade_started(unit, now);
        }
    }
    (out, status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirections_are_read() {
        let (w, t) = redirection(vec!["echo".into(), "a".into(), ">".into(), "/tmp/x".into()]);
        assert_eq!(
            (w, t),
            (
                vec!["echo".to_string(), "a".into()],
                Some(("/tmp/x".into(), false))
            )
        );
        let (_, t) = redirection(vec!["echo".into(), ">>/tmp/y".into()]);
        assert_eq!(t, Some(("/tmp/y".into(), true)));
    }

    #[test]
    fn chains_split_outside_quotes() {
        let parts = split_chain("echo 'a;b' && false || echo x; echo $?");
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[1].1, Joiner::And);
        assert_eq!(parts[2].1, Joiner::Or);
        assert_eq!(parts[3].1, Joiner::Seq);
    }
}
