//! Log output in nats-server's line shape.
//!
//! `[pid] 2026/11/23 09:34:49.755521 [INF] Listening for client connections on …`
//! Operators grep these lines and client test harnesses wait for them, so the
//! shape is part of compatibility. The server emits `tracing` events; this
//! module installs a subscriber that prints them this way, to stderr or the
//! `-l` file. Embedding applications install their own subscriber instead.

use std::fmt;
use std::fs::OpenOptions;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::{LookupSpan, Registry};
use tracing_subscriber::reload;
use tracing_subscriber::util::SubscriberInitExt;

struct NatsFormat {
    pid: u32,
    logtime: bool,
}

impl<S, N> FormatEvent<S, N> for NatsFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let level = match *event.metadata().level() {
            Level::ERROR => "ERR",
            Level::WARN => "WRN",
            Level::INFO => "INF",
            Level::DEBUG => "DBG",
            Level::TRACE => "TRC",
        };
        write!(writer, "[{}] ", self.pid)?;
        if self.logtime {
            write!(
                writer,
                "{} ",
                chrono::Local::now().format("%Y/%m/%d %H:%M:%S%.6f")
            )?;
        }
        write!(writer, "[{level}] ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Installs the process-wide logger. `debug` enables `[DBG]`, `trace` `[TRC]`.
/// Lets a configuration reload change the log levels of the installed logger.
static LEVELS: OnceLock<reload::Handle<Targets, Registry>> = OnceLock::new();

/// Only natrium's own events: libraries' internals are not the server's log.
fn targets(debug: bool, trace: bool) -> Targets {
    let level = if trace {
        LevelFilter::TRACE
    } else if debug {
        LevelFilter::DEBUG
    } else {
        LevelFilter::INFO
    };
    Targets::new()
        .with_target("natrium_server", level)
        .with_target("natrium", level)
}

/// Changes the levels of the logger installed by [`init`] (no-op otherwise).
pub fn set_levels(debug: bool, trace: bool) {
    if let Some(handle) = LEVELS.get() {
        let _ = handle.modify(|filter| *filter = targets(debug, trace));
    }
}

pub fn init(
    log_file: Option<&Path>,
    debug: bool,
    trace: bool,
    logtime: bool,
) -> std::io::Result<()> {
    let (targets, handle) = reload::Layer::new(targets(debug, trace));
    let _ = LEVELS.set(handle);
    let format = NatsFormat {
        pid: std::process::id(),
        logtime,
    };
    let layer = tracing_subscriber::fmt::layer()
        .event_format(format)
        .with_ansi(false);
    let registry = tracing_subscriber::registry().with(targets);
    let installed = match log_file {
        Some(path) => {
            let file = OpenOptions::new().create(true).append(true).open(path)?;
            registry
                .with(layer.with_writer(Mutex::new(file)))
                .try_init()
        }
        None => registry.with(layer.with_writer(std::io::stderr)).try_init(),
    };
    // Already installed (a second server in one process): keep the first.
    let _ = installed;
    Ok(())
}
