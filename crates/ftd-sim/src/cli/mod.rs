//! One terminal session on a unit: the mode it is in (CLISH, expert, root, LINA), pending
//! password prompts, LINA's pager, and what each typed line prints. Text in, text out; the
//! SSH front adds echo and `\r\n`.

mod coreutils;
pub mod keys;
pub mod shell;
pub mod show;
pub mod transfer;

use crate::device::LOCK_DIR;
use crate::model::Sim;
use crate::model::faults::Fault;
use crate::model::texts;

/// The CLI modes of domain §1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `> `: the admin login shell.
    Clish,
    /// `admin@HOST:PATH$ `
    Expert,
    /// `root@HOST:PATH# `
    Root,
    /// `HOST> `: the diagnostic CLI.
    LinaExec,
    /// `HOST# `
    LinaEnable,
}

#[derive(Debug, Clone, PartialEq)]
enum Pending {
    None,
    Sudo {
        tries: u8,
    },
    Enable {
        tries: u8,
    },
    /// Lines still to show after `<--- More --->`.
    More(Vec<String>),
    /// A transfer runs in the foreground; the rest of the line waits for it. `asking`: it
    /// showed a password prompt and the next line typed is its answer.
    Job {
        rest: shell::Chain,
        asking: bool,
    },
}

/// The terminal's side of a running foreground transfer: where typed answers go and how
/// Ctrl-C reaches it.
#[derive(Debug)]
pub struct JobLink {
    pub answers: tokio::sync::mpsc::UnboundedSender<String>,
    pub cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The terminal hung up: GNU wget goes on (output to `wget-log`), scp dies.
    pub survives_hangup: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Text(String),
    /// Nothing for this long, then what follows (the `slow-cli` fault).
    Pause(std::time::Duration),
    /// Close the session (logout, or a fault).
    Disconnect,
}

/// Lines LINA shows before `<--- More --->` unless `terminal pager 0`.
const PAGE: usize = 24;

pub struct Terminal {
    /// Unique per session: unprompted text (the installer's) is addressed to it.
    pub id: u64,
    pub pair: usize,
    pub unit: usize,
    mode: Mode,
    cwd: String,
    pending: Pending,
    pager: bool,
    lecture_shown: bool,
    last_status: i32,
    /// Text LINA prints after the prompt has come back (`Switching to Active`).
    after_prompt: String,
    /// Device time LINA last warned about the mate's version in this session.
    mate_warned: Option<f64>,
    /// A transfer the last line started, for the SSH front to run.
    started: Option<transfer::Job>,
    job: Option<JobLink>,
}

static NEXT_TERMINAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// bash ≥ 5.1 turns bracketed paste on before each prompt and off after each line (§10).
const PASTE_ON: &str = "\u{1b}[?2004h";
const PASTE_OFF: &str = "\u{1b}[?2004l\r";

const LECTURE: &str = "\nWe trust you have received the usual lecture from the local System\nAdministrator. It usually boils down to these three things:\n\n    #1) Respect the privacy of others.\n    #2) Think before you type.\n    #3) With great power comes great responsibility.\n\n";

impl Terminal {
    pub fn new(pair: usize, unit: usize) -> Self {
        Terminal {
            id: NEXT_TERMINAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            pair,
            unit,
            mode: Mode::Clish,
            cwd: "/home/admin".into(),
            pending: Pending::None,
            pager: true,
            lecture_shown: false,
            last_status: 0,
            after_prompt: String::new(),
            mate_warned: None,
            started: None,
            job: None,
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The banner and the first prompt (seed).
    pub fn greeting(&self, sim: &Sim) -> String {
        let u = &sim.pairs[self.pair].units[self.unit];
        format!(
            "{}{}",
            texts::banner(&u.model, &u.version, u.fxos.as_deref()),
            self.prompt(sim)
        )
    }

    /// Input is a password: not echoed, never logged.
    pub fn secret_input(&self) -> bool {
        matches!(
            self.pending,
            Pending::Sudo { .. } | Pending::Enable { .. } | Pending::Job { asking: true, .. }
        )
    }

    /// The transfer the last line started, to be run by the caller, which links it here.
    pub fn take_started_job(&mut self) -> Option<transfer::Job> {
        self.started.take()
    }

    pub fn link_job(&mut self, link: JobLink) {
        self.job = Some(link);
    }

    /// The session closed: a running transfer that does not survive a hangup stops.
    pub fn hang_up(&mut self) {
        if let Some(link) = self.job.as_ref().filter(|l| !l.survives_hangup) {
            link.cancel.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// The running transfer printed a password prompt: the next line is its answer.
    pub fn job_asks(&mut self) {
        if let Pending::Job { asking, .. } = &mut self.pending {
            *asking = true;
        }
    }

    /// The foreground transfer ended with `status`: the rest of its line runs (unless
    /// Ctrl-C stopped it), then the prompt.
    pub fn finish_job(&mut self, sim: &mut Sim, status: i32) -> Vec<Output> {
        let Pending::Job { rest, .. } = std::mem::replace(&mut self.pending, Pending::None) else {
            return vec![];
        };
        let interrupted = self
            .job
            .take()
            .is_some_and(|l| l.cancel.load(std::sync::atomic::Ordering::SeqCst));
        let rest = if interrupted { Vec::new() } else { rest };
        let mut ctx = self.shell_ctx(sim);
        let end = shell::resume(&mut ctx, rest, status);
        vec![Output::Text(self.after_line(sim, end))]
    }

    /// The pager waits for a key, not a line.
    pub fn wants_key(&self) -> bool {
        matches!(self.pending, Pending::More(_))
    }

    pub fn prompt(&self, sim: &Sim) -> String {
        let host = &sim.pairs[self.pair].units[self.unit].hostname;
        let path = |home: &str| {
            if self.cwd == home {
                "~".to_string()
            } else {
                self.cwd.clone()
            }
        };
        let paste = if sim.realism.bracketed_paste {
            PASTE_ON
        } else {
            ""
        };
        match self.mode {
            Mode::Clish => "> ".into(),
            Mode::Expert => format!("{paste}admin@{host}:{}$ ", path("/home/admin")),
            Mode::Root => format!("{paste}root@{host}:{}# ", path("/root")),
            Mode::LinaExec => format!("{host}> "),
            Mode::LinaEnable => format!("{host}# "),
        }
    }

    /// A key while `<--- More --->` is shown: space shows the next page, q stops.
    pub fn key(&mut self, sim: &Sim, key: u8) -> Vec<Output> {
        let Pending::More(rest) = std::mem::replace(&mut self.pending, Pending::None) else {
            return vec![];
        };
        // Erase the `<--- More --->` marker the way LINA does, with backspaces.
        let erase = "\u{8}".repeat(14) + &" ".repeat(14) + &"\u{8}".repeat(14);
        if key == b'q' || key == 3 {
            return vec![Output::Text(format!("{erase}{}", self.prompt(sim)))];
        }
        let page = self.page(rest);
        let prompt = if self.wants_key() {
            String::new()
        } else {
            self.prompt(sim)
        };
        vec![Output::Text(format!("{erase}{page}{prompt}"))]
    }

    /// Ctrl-C.
    pub fn interrupt(&mut self, sim: &Sim) -> Vec<Output> {
        if let Pending::Job { .. } = self.pending {
            // The transfer stops and ends the line; its end prints the prompt.
            if let Some(link) = &self.job {
                link.cancel.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            return vec![Output::Text("^C".into())];
        }
        let text = match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::Sudo { tries } if tries > 0 => {
                format!("sudo: {tries} incorrect password attempt\n")
            }
            _ => "^C\n".into(),
        };
        vec![Output::Text(format!("{text}{}", self.prompt(sim)))]
    }

    /// One line typed and Enter pressed.
    pub fn line(&mut self, sim: &mut Sim, line: &str) -> Vec<Output> {
        match self.pending.clone() {
            Pending::Sudo { tries } => {
                return vec![Output::Text(self.sudo_answer(sim, line, tries))];
            }
            Pending::Enable { tries } => {
                return vec![Output::Text(self.enable_answer(sim, line, tries))];
            }
            Pending::More(_) => return vec![],
            Pending::Job { rest, asking: true } => {
                self.pending = Pending::Job {
                    rest,
                    asking: false,
                };
                if let Some(link) = &self.job {
                    let _ = link.answers.send(line.to_string());
                }
                return vec![];
            }
            // Typed ahead while a transfer runs: the sim drops it.
            Pending::Job { .. } => return vec![],
            Pending::None => {}
        }
        let line = line.trim();
        let now = sim.now();
        sim.pairs[self.pair].typed(self.unit, line, now);
        lock_race(sim, self.pair, self.unit, line, now);
        let late = match self.mode {
            Mode::Clish => sim.pairs[self.pair].units[self.unit].clish_delay(),
            _ => None,
        };
        let out = match self.mode {
            Mode::Clish => self.clish(sim, line),
            Mode::Expert | Mode::Root => {
                let mut out = self.bash(sim, line);
                if sim.realism.bracketed_paste
                    && let Some(Output::Text(t)) = out.first_mut()
                {
                    t.insert_str(0, PASTE_OFF);
                }
                return out;
            }
            Mode::LinaExec | Mode::LinaEnable => self.lina(sim, line),
        };
        let after = std::mem::take(&mut self.after_prompt);
        let answer = match out {
            Some(text) if self.wants_key() || self.secret_input() => vec![Output::Text(text)],
            Some(text) => vec![Output::Text(format!("{text}{}{after}", self.prompt(sim)))],
            None => vec![
                Output::Text("\nConnection to the device closed.\n".into()),
                Output::Disconnect,
            ],
        };
        late.map(Output::Pause).into_iter().chain(answer).collect()
    }

    /// A show command, once garbled when the `garbage` fault names it.
    fn show(&self, sim: &mut Sim, command: &str, lina: bool) -> Option<String> {
        let out = show::show(sim, self.pair, self.unit, command, lina)?;
        let unit = &mut sim.pairs[self.pair].units[self.unit];
        if !unit.garbage_spent && unit.has(|f| matches!(f, Fault::Garbage(c) if c == command)) {
            unit.garbage_spent = true;
            let cut = out.len() * 2 / 5;
            return Some(format!("{}\u{1b}[?7l%#@!\n", &out[..cut]));
        }
        Some(out)
    }

    /// None: the session ends.
    fn clish(&mut self, sim: &mut Sim, line: &str) -> Option<String> {
        let command = show::expand(line);
        if let Some(out) = self.show(sim, &command, false) {
            return Some(out);
        }
        Some(match command.as_str() {
            "" => String::new(),
            "expert" => {
                self.mode = Mode::Expert;
                self.cwd = "/home/admin".into();
                String::new()
            }
            "system support diagnostic-cli" => {
                self.mode = Mode::LinaExec;
                "Attaching to Diagnostic CLI ... Press 'Ctrl+a then d' to detach.\nType help or '?' for a list of available commands.\n".into()
            }
            "configure high-availability suspend" | "configure high-availability resume" => {
                // UNVERIFIED: the device's confirmation text is not public.
                "Please wait.\n".into()
            }
            "exit" | "logout" => return None,
            // UNVERIFIED wording of CLISH's answer to an unknown command.
            _ => "Syntax error: Illegal parameter\n".into(),
        })
    }

    fn lina(&mut self, sim: &mut Sim, line: &str) -> Option<String> {
        let command = show::expand(line);
        self.mate_warning(sim);
        if let Some(out) = self.show(sim, &command, true) {
            return Some(self.page(out.lines().map(String::from).collect()));
        }
        let enable = self.mode == Mode::LinaEnable;
        let now = sim.now();
        let timing = sim.timing;
        Some(match command.as_str() {
            "" => String::new(),
            "enable" if !enable => {
                self.pending = Pending::Enable { tries: 0 };
                "Password: ".into()
            }
            "exit" if enable => {
                self.mode = Mode::LinaExec;
                let host = &sim.pairs[self.pair].units[self.unit].hostname;
                format!(
                    "\nLogoff\n\nUser enable_1 logged in to {host}\nLogins over the last 1 days: 2.  Last login: 13:10:25 UTC Feb 16 2024 from console\nFailed logins since the last login: 0.\nType help or '?' for a list of available commands.\n"
                )
            }
            "exit" => {
                self.mode = Mode::Clish;
                "\nConsole connection detached.\n".into()
            }
            "terminal pager 0" if enable => {
                self.pager = false;
                String::new()
            }
            "failover active" if enable => {
                match sim.pairs[self.pair].failover_active(self.unit, now, &timing) {
                    Ok(()) => {
                        // The ASA capture of §10: the message follows the prompt.
                        self.after_prompt = "\n        Switching to Active\n".into();
                        String::new()
                    }
                    Err(e) => format!("{e}\n"),
                }
            }
            "no failover active" if enable => {
                match sim.pairs[self.pair].no_failover_active(self.unit, now, &timing) {
                    Ok(()) => {
                        self.after_prompt = "\n        Switching to Standby\n".into();
                        String::new()
                    }
                    Err(e) => format!("{e}\n"),
                }
            }
            _ => {
                let caret = " ".repeat(self.prompt(sim).len() + line.find(' ').unwrap_or(0));
                format!("{caret}^\nERROR: % Invalid input detected at '^' marker.\n")
            }
        })
    }

    /// `***WARNING*** Mate version X is not identical with ours Y`, unprompted, after the
    /// prompt, while the units run different versions (at most every 30 device seconds).
    fn mate_warning(&mut self, sim: &Sim) {
        let now = sim.now();
        let pair = &sim.pairs[self.pair];
        let (me, mate) = (&pair.units[self.unit], &pair.units[1 - self.unit]);
        let due = self.mate_warned.is_none_or(|t| now - t >= 30.0);
        if !sim.realism.mate_warning || !due || !mate.is_up() || me.version == mate.version {
            return;
        }
        self.mate_warned = Some(now);
        self.after_prompt.push_str(&format!(
            "\n***WARNING*** Mate version {} is not identical with ours {}\n",
            texts::lina_version(&mate.version),
            texts::lina_version(&me.version)
        ));
    }

    /// Shows one page; the rest waits for a key (see [`Terminal::wants_key`]).
    fn page(&mut self, lines: Vec<String>) -> String {
        if !self.pager || lines.len() <= PAGE {
            return lines.iter().map(|l| format!("{l}\n")).collect();
        }
        let (now, rest) = lines.split_at(PAGE - 1);
        self.pending = Pending::More(rest.to_vec());
        format!(
            "{}<--- More --->",
            now.iter().map(|l| format!("{l}\n")).collect::<String>()
        )
    }

    fn bash(&mut self, sim: &mut Sim, line: &str) -> Vec<Output> {
        let root = self.mode == Mode::Root;
        match (line, root) {
            ("exit" | "logout", true) => {
                self.mode = Mode::Expert;
                self.cwd = "/home/admin".into();
                return vec![Output::Text(format!("logout\n{}", self.prompt(sim)))];
            }
            ("exit" | "logout", false) => {
                self.mode = Mode::Clish;
                return vec![Output::Text(format!("logout\n{}", self.prompt(sim)))];
            }
            ("sudo su" | "sudo su -" | "sudo -i" | "sudo -s", false) => {
                self.pending = Pending::Sudo { tries: 0 };
                let lecture = if self.lecture_shown { "" } else { LECTURE };
                self.lecture_shown = true;
                return vec![Output::Text(format!("{lecture}Password: "))];
            }
            _ => {}
        }
        let unit = &mut sim.pairs[self.pair].units[self.unit];
        let mut drop_now = false;
        let upgrading = unit
            .upgrade
            .as_ref()
            .is_some_and(|r| r.state == crate::model::unit::RunState::Running);
        if root && upgrading {
            unit.root_commands += 1;
            drop_now = unit
                .faults
                .contains(&Fault::DropMidCommand(unit.root_commands));
        }
        let mut ctx = self.shell_ctx(sim);
        let end = shell::run_line(&mut ctx, line);
        if drop_now && let shell::LineEnd::Done(out) = &end {
            let half = &out[..out.len() / 2];
            return vec![Output::Text(half.to_string()), Output::Disconnect];
        }
        vec![Output::Text(self.after_line(sim, end))]
    }

    fn shell_ctx<'a>(&'a mut self, sim: &'a mut Sim) -> shell::ShellCtx<'a> {
        shell::ShellCtx {
            sim,
            pair: self.pair,
            unit: self.unit,
            cwd: &mut self.cwd,
            last_status: &mut self.last_status,
            root: self.mode == Mode::Root,
            terminal: self.id,
            job: None,
        }
    }

    /// What a shell line prints: its output and the prompt, or, when a transfer took the
    /// foreground, its output so far (the prompt comes when the transfer ends).
    fn after_line(&mut self, sim: &Sim, end: shell::LineEnd) -> String {
        match end {
            shell::LineEnd::Done(out) => format!("{out}{}", self.prompt(sim)),
            shell::LineEnd::Job { out, job, rest } => {
                self.pending = Pending::Job {
                    rest,
                    asking: false,
                };
                self.started = Some(*job);
                out
            }
        }
    }

    fn sudo_answer(&mut self, sim: &Sim, typed: &str, tries: u8) -> String {
        let unit = &sim.pairs[self.pair].units[self.unit];
        if typed == unit.sudo_password(&sim.password) {
            self.pending = Pending::None;
            self.mode = Mode::Root;
            return self.prompt(sim);
        }
        let tries = tries + 1;
        if tries >= 3 {
            self.pending = Pending::None;
            return format!("sudo: 3 incorrect password attempts\n{}", self.prompt(sim));
        }
        self.pending = Pending::Sudo { tries };
        "Sorry, try again.\nPassword: ".into()
    }

    fn enable_answer(&mut self, sim: &Sim, typed: &str, tries: u8) -> String {
        if typed == sim.enable_password {
            self.pending = Pending::None;
            self.mode = Mode::LinaEnable;
            return self.prompt(sim);
        }
        let tries = tries + 1;
        if tries >= 3 {
            self.pending = Pending::None;
            return format!("Access denied.\n{}", self.prompt(sim));
        }
        self.pending = Pending::Enable { tries };
        "Invalid password\nPassword: ".into()
    }
}

/// The `lock-race` fault: the moment this unit is told to move its lock away, another
/// controller has just taken it over and stamped it fresh (device time).
fn lock_race(sim: &mut Sim, pair: usize, unit: usize, line: &str, now: f64) {
    let u = &sim.pairs[pair].units[unit];
    let Some(owner) = u.faults.iter().find_map(|f| match f {
        Fault::LockRace(o) => Some(o.clone()),
        _ => None,
    }) else {
        return;
    };
    if u.lock_race_spent || !line.contains(&format!("mv {LOCK_DIR} ")) {
        return;
    }
    let wall = sim.clock.wall(now);
    let stamp = crate::model::clock::ls_stamp(wall);
    let u = &mut sim.pairs[pair].units[unit];
    u.lock_race_spent = true;
    u.fs.write(
        &format!("{LOCK_DIR}/owner"),
        &format!("owner={owner} since={}\n", wall.unix_timestamp()),
        &stamp,
    );
    sim.pairs[pair].event(now, unit, "lock_race", serde_json::json!({"owner": owner}));
}
