//! The `natrium-server` binary: parses nats-server-compatible flags, sets up
//! logging and the pid file, runs the server until a signal ends it.

use std::process::ExitCode;

use anyhow::Context;
use natrium_server::cli::{self, Command, USAGE};
use natrium_server::options::COMPATIBLE_VERSION;
use natrium_server::{logging, signals, Server, ServerOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match cli::parse(args.clone()) {
        Ok(Command::Help) => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!(
                "natrium-server: v{} (compatible with nats-server v{COMPATIBLE_VERSION})",
                env!("CARGO_PKG_VERSION")
            );
            ExitCode::SUCCESS
        }
        Ok(Command::Signal {
            signal,
            target,
            pid_file,
        }) => match signals::send(&signal, target.as_deref(), pid_file.as_deref()) {
            Ok(_) => ExitCode::SUCCESS,
            Err(err) => fail(&err.to_string()),
        },
        Ok(Command::TestConfig(options)) => {
            let file = options
                .config_file
                .as_ref()
                .map_or_else(|| "(none)".to_string(), |f| f.display().to_string());
            println!("natrium-server: configuration file {file} is valid");
            ExitCode::SUCCESS
        }
        Ok(Command::Run(mut options)) => {
            // Kept so a reload re-applies the same flags over the file.
            options.command_line = args;
            match run(*options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => fail(&format!("{err:#}")),
            }
        }
        Err(err) => {
            eprintln!("natrium-server: {err}");
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// glibc hands freed heap back to the OS as soon as 128 KiB are free at its
/// top; a server whose backlogs come and go then page-faults the same memory
/// back in on every burst. Keeping up to 64 MiB of freed heap for reuse costs
/// no more resident memory than the burst itself already needed.
///
/// Setting the trim threshold also freezes glibc's mmap threshold at 128 KiB
/// (it stops adapting), which would make every large message buffer (an
/// Object Store chunk is 128 KiB) a fresh mmap, faulted in page by page; so
/// the mmap threshold is raised too, to keep such buffers on the heap.
fn keep_freed_memory_for_reuse() {
    const TRIM_THRESHOLD: libc::c_int = 64 * 1024 * 1024;
    const MMAP_THRESHOLD: libc::c_int = 16 * 1024 * 1024;
    // SAFETY: mallopt only adjusts allocator tuning parameters.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("natrium-server: {message}");
    ExitCode::FAILURE
}

fn run(options: ServerOptions) -> anyhow::Result<()> {
    keep_freed_memory_for_reuse();
    logging::init(
        options.log_file.as_deref(),
        options.debug,
        options.trace,
        options.logtime,
    )
    .context("can't open the log file")?;
    let _pid_file = match &options.pid_file {
        Some(path) => Some(
            signals::PidFile::create(path)
                .with_context(|| format!("can't write the pid file {}", path.display()))?,
        ),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("can't start the async runtime")?;
    runtime.block_on(async {
        let handlers =
            signals::ServerSignals::install().context("can't install signal handlers")?;
        let server = Server::start(options).await?;
        handlers.run(&server).await;
        Ok(())
    })
}
