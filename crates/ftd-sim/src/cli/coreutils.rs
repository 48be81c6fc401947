//! The file and process commands of the unit's Linux (GNU coreutils, procps) that a careful
//! client uses: `mkdir`, `mv`, `rm`, `date`, `stat`, `pgrep`, with their real messages.

use super::shell::ShellCtx;

/// Only root writes outside the admin's home and /tmp (a world-writable /var/tmp is the
/// exception the client must not rely on for its lock).
fn writable(ctx: &ShellCtx, path: &str) -> bool {
    ctx.root || crate::model::fs::writable_by_admin(path)
}

pub fn mkdir(ctx: &mut ShellCtx, args: &[String]) -> (String, i32) {
    let parents = args.iter().any(|a| a == "-p");
    let mut out = String::new();
    let mut status = 0;
    for a in args.iter().filter(|a| !a.starts_with('-')) {
        let path = ctx.resolve(a);
        if !writable(ctx, &path) {
            out.push_str(&format!(
                "mkdir: cannot create directory '{a}': Permission denied\n"
            ));
            status = 1;
            continue;
        }
        let parent = path.rsplit_once('/').map(|p| p.0).unwrap_or("/");
        let unit = &mut ctx.sim.pairs[ctx.pair].units[ctx.unit];
        if !parents && !parent.is_empty() && !unit.fs.is_dir(parent) {
            out.push_str(&format!(
                "mkdir: cannot create directory '{a}': No such file or directory\n"
            ));
            status = 1;
        } else if !unit.fs.make_dir(&path) && !parents {
            out.push_str(&format!(
                "mkdir: cannot create directory '{a}': File exists\n"
            ));
            status = 1;
        }
    }
    (out, status)
}

/// `mv SRC... DEST`: into DEST when it is a directory, else renamed to DEST.
pub fn mv(ctx: &mut ShellCtx, args: &[String]) -> (String, i32) {
    let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let Some((dest, sources)) = names.split_last().filter(|(_, s)| !s.is_empty()) else {
        return ("mv: missing destination file operand\n".into(), 1);
    };
    let dest = ctx.resolve(dest);
    if !writable(ctx, &dest) {
        return (
            format!("mv: cannot move to '{dest}': Permission denied\n"),
            1,
        );
    }
    let mut out = String::new();
    let mut status = 0;
    for src in sources {
        let from = ctx.resolve(src);
        let unit = &mut ctx.sim.pairs[ctx.pair].units[ctx.unit];
        let to = if unit.fs.is_dir(&dest) {
            format!("{dest}/{}", from.rsplit('/').next().unwrap_or(&from))
        } else {
            dest.clone()
        };
        if !unit.fs.rename(&from, &to) {
            out.push_str(&format!(
                "mv: cannot stat '{src}': No such file or directory\n"
            ));
            status = 1;
        }
    }
    (out, status)
}

pub fn rm(ctx: &mut ShellCtx, args: &[String]) -> (String, i32) {
    let recursive = args
        .iter()
        .any(|a| a.starts_with('-') && (a.contains('r') || a.contains('R')));
    let force = args.iter().any(|a| a.starts_with('-') && a.contains('f'));
    let mut out = String::new();
    let mut status = 0;
    for a in args.iter().filter(|a| !a.starts_with('-')) {
        let path = ctx.resolve(a);
        let unit = &mut ctx.sim.pairs[ctx.pair].units[ctx.unit];
        if unit.fs.is_dir(&path) {
            if recursive {
                unit.fs.remove_tree(&path);
            } else {
                out.push_str(&format!("rm: cannot remove '{a}': Is a directory\n"));
                status = 1;
            }
        } else if unit.fs.get(&path).is_some() {
            unit.fs.remove(&path);
        } else if !force {
            out.push_str(&format!(
                "rm: cannot remove '{a}': No such file or directory\n"
            ));
            status = 1;
        }
    }
    (out, status)
}

/// `date +FORMAT` with `%s %Y %m %d %H %M %S`; the device's clock, not the controller's.
pub fn date(ctx: &mut ShellCtx, args: &[String]) -> (String, i32) {
    let t = ctx.sim.clock.wall(ctx.sim.now());
    let Some(format) = args.iter().find_map(|a| a.strip_prefix('+')) else {
        let stamp = crate::model::clock::status_timestamp(t);
        return (format!("{stamp}\n"), 0);
    };
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('s') => out.push_str(&t.unix_timestamp().to_string()),
            Some('Y') => out.push_str(&t.year().to_string()),
            Some('m') => out.push_str(&format!("{:02}", t.month() as u8)),
            Some('d') => out.push_str(&format!("{:02}", t.day())),
            Some('H') => out.push_str(&format!("{:02}", t.hour())),
            Some('M') => out.push_str(&format!("{:02}", t.minute())),
            Some('S') => out.push_str(&format!("{:02}", t.second())),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    (format!("{out}\n"), 0)
}

/// `stat -c %s FILE`: the size in bytes.
pub fn stat(ctx: &mut ShellCtx, args: &[String]) -> (String, i32) {
    let Some(file) = args
        .iter()
        .rfind(|a| !a.starts_with('-') && !a.starts_with('%'))
    else {
        return ("stat: missing operand\n".into(), 1);
    };
    let path = ctx.resolve(file);
    let unit = &ctx.sim.pairs[ctx.pair].units[ctx.unit];
    match unit.fs.get(&path) {
        Some(file) => (format!("{}\n", file.size()), 0),
        None if unit.fs.is_dir(&path) => ("4096\n".into(), 0),
        None => (
            format!("stat: cannot statx '{file}': No such file or directory\n"),
            1,
        ),
    }
}

/// `pgrep -f PATTERN`: the running installers are the only processes the sim knows.
pub fn pgrep(ctx: &mut ShellCtx, args: &[String]) -> (String, i32) {
    let pattern = args
        .iter()
        .rfind(|a| !a.starts_with('-'))
        .cloned()
        .unwrap_or_default();
    let unit = &ctx.sim.pairs[ctx.pair].units[ctx.unit];
    let pids: Vec<String> = unit
        .processes()
        .iter()
        .enumerate()
        .filter(|(_, line)| !pattern.is_empty() && line.contains(pattern.as_str()))
        .map(|(i, _)| format!("{}\n", 20_000 + ctx.unit * 17 + i))
        .collect();
    if pids.is_empty() {
        return (String::new(), 1);
    }
    (pids.concat(), 0)
}

/// `printf FORMAT ARGS...` for the one format a client writes a file with: `%s\n`, the
/// format repeated for each argument (bash's builtin).
pub fn printf(args: &[String]) -> (String, i32) {
    let Some((format, values)) = args.split_first() else {
        return (
            "printf: usage: printf [-v var] format [arguments]\n".into(),
            2,
        );
    };
    let format = format.replace("\\n", "\n");
    let one = |v: &str| format.replacen("%s", v, 1).replace("%s", "");
    if values.is_empty() {
        return (one(""), 0);
    }
    (values.iter().map(|v| one(v)).collect(), 0)
}

/// `pkill -f PATTERN`: stops the transfers whose command line holds PATTERN (the installers
/// are not this tool's to stop).
pub fn pkill(ctx: &mut ShellCtx, args: &[String]) -> (String, i32) {
    let Some(pattern) = args.iter().rfind(|a| !a.starts_with('-')) else {
        return ("pkill: no matching criteria specified\n".into(), 2);
    };
    if !ctx.root {
        return (String::new(), 1);
    }
    let unit = &ctx.sim.pairs[ctx.pair].units[ctx.unit];
    let mut hit = false;
    for t in unit
        .transfers
        .iter()
        .filter(|t| t.command.contains(pattern.as_str()))
    {
        t.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        hit = true;
    }
    (String::new(), if hit { 0 } else { 1 })
}

/// GNU ls colours on a terminal: directories bold blue, archives bold red.
pub fn ls_colour(name: &str, dir: bool, on: bool) -> String {
    if !on {
        name.to_string()
    } else if dir {
        format!("\u{1b}[01;34m{name}\u{1b}[0m")
    } else if name.ends_with(".tar") {
        format!("\u{1b}[01;31m{name}\u{1b}[0m")
    } else {
        name.to_string()
    }
}

/// `df [-h|-k] [PATH]` of `/ngfw`, from the model: used space grows with the unit's files.
pub fn df(ctx: &mut ShellCtx, args: &[String]) -> (String, i32) {
    let (size, used, avail) = ctx.sim.pairs[ctx.pair].units[ctx.unit].ngfw_space();
    let percent = (used * 100).div_ceil(size);
    if args.iter().any(|a| a == "-k") {
        return (
            format!(
                "Filesystem     1K-blocks     Used Available Use% Mounted on\n/dev/sda7      {:>9} {:>8} {:>9} {percent:>3}% /ngfw\n",
                size / 1024,
                used / 1024,
                avail / 1024
            ),
            0,
        );
    }
    (
        format!(
            "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda7      {:>5} {:>5} {:>5} {percent:>3}% /ngfw\n",
            human(size),
            human(used),
            human(avail)
        ),
        0,
    )
}

/// GNU `df -h`: one decimal below 10, rounded up.
fn human(bytes: u64) -> String {
    let g = bytes as f64 / (1u64 << 30) as f64;
    if g < 10.0 {
        format!("{:.1}G", (g * 10.0).ceil() / 10.0)
    } else {
        format!("{}G", g.ceil() as u64)
    }
}
