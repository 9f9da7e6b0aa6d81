//! Process signals: handling them in the server, and `--signal` to send them.
//!
//! The mapping is nats-server's, so existing service scripts work:
//! SIGINT and SIGTERM shut down gracefully, SIGUSR2 enters lame-duck mode,
//! SIGHUP asks for a configuration reload. `--signal stop` kills outright.

use std::path::{Path, PathBuf};

use tokio::signal::unix::{signal, Signal, SignalKind};
use tracing::{error, info, warn};

use crate::server::Server;

/// The signals a running server reacts to. Installed before the server
/// starts, so a signal sent as soon as `Server is ready` is logged is handled.
pub struct ServerSignals {
    interrupt: Signal,
    terminate: Signal,
    lame_duck: Signal,
    reload: Signal,
    reopen: Signal,
}

impl ServerSignals {
    pub fn install() -> std::io::Result<ServerSignals> {
        Ok(ServerSignals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            lame_duck: signal(SignalKind::user_defined2())?,
            reload: signal(SignalKind::hangup())?,
            reopen: signal(SignalKind::user_defined1())?,
        })
    }

    /// Serves until a signal ends the server.
    pub async fn run(mut self, server: &Server) {
        loop {
            tokio::select! {
                _ = self.interrupt.recv() => {
                    info!("Trapped \"interrupt\" signal");
                    return server.shutdown().await;
                }
                _ = self.terminate.recv() => {
                    info!("Trapped \"terminated\" signal");
                    return server.shutdown().await;
                }
                _ = self.lame_duck.recv() => {
                    info!("Trapped \"user defined signal 2\" signal");
                    return server.lame_duck().await;
                }
                _ = self.reload.recv() => {
                    info!("Trapped \"hangup\" signal");
                    match server.reload() {
                        Ok(kept) => {
                            for setting in kept {
                                warn!("Reload: '{setting}' cannot change while the server runs; restart to apply it");
                            }
                            info!("Reloaded server configuration");
                        }
                        Err(err) => error!("Failed to reload server configuration: {err}"),
                    }
                }
                _ = self.reopen.recv() => info!("Trapped \"user defined signal 1\" signal"),
                _ = server.stopped() => return,
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignalError {
    #[error("unknown signal {0:?} (expected one of: ldm, stop, quit, term, reopen, reload)")]
    UnknownSignal(String),
    #[error("can't read PID from {path}: {reason}")]
    PidFile { path: PathBuf, reason: String },
    #[error("no natrium-server process is running")]
    NoProcess,
    #[error(
        "multiple natrium-server processes are running ({0}): name one with --signal {1}=<pid>"
    )]
    MultipleProcesses(String, String),
    #[error("can't signal process {pid}: {source}")]
    Send { pid: i32, source: std::io::Error },
}

/// `--signal NAME[=PID|PIDFILE]`: sends the signal to a running server.
pub fn send(name: &str, target: Option<&str>, pid_file: Option<&Path>) -> Result<i32, SignalError> {
    let signal = match name {
        "stop" => libc::SIGKILL,
        "quit" => libc::SIGINT,
        "term" => libc::SIGTERM,
        "ldm" => libc::SIGUSR2,
        "reload" => libc::SIGHUP,
        "reopen" => libc::SIGUSR1,
        other => return Err(SignalError::UnknownSignal(other.to_string())),
    };
    let pid = match (target, pid_file) {
        (Some(target), _) => match target.parse::<i32>() {
            Ok(pid) => pid,
            Err(_) => read_pid_file(Path::new(target))?,
        },
        (None, Some(file)) => read_pid_file(file)?,
        (None, None) => find_server_process(name)?,
    };
    // SAFETY: kill(2) with a plain pid and signal number has no memory effects.
    if unsafe { libc::kill(pid, signal) } != 0 {
        return Err(SignalError::Send {
            pid,
            source: std::io::Error::last_os_error(),
        });
    }
    Ok(pid)
}

fn read_pid_file(path: &Path) -> Result<i32, SignalError> {
    let text = std::fs::read_to_string(path).map_err(|e| SignalError::PidFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    text.trim().parse().map_err(|_| SignalError::PidFile {
        path: path.to_path_buf(),
        reason: format!("{:?} is not a process id", text.trim()),
    })
}

fn find_server_process(signal: &str) -> Result<i32, SignalError> {
    let me = std::process::id() as i32;
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            if pid != me && comm.trim() == "natrium-server" {
                found.push(pid);
            }
        }
    }
    match found.as_slice() {
        [] => Err(SignalError::NoProcess),
        [pid] => Ok(*pid),
        many => Err(SignalError::MultipleProcesses(
            many.iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            signal.to_string(),
        )),
    }
}

/// Writes the pid file; removed again by [`PidFile`]'s drop.
pub struct PidFile(PathBuf);

impl PidFile {
    pub fn create(path: &Path) -> std::io::Result<PidFile> {
        std::fs::write(path, std::process::id().to_string())?;
        Ok(PidFile(path.to_path_buf()))
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
