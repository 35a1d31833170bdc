//! Command-line interface: argument parsing and dispatch. Each subcommand lives in
//! its own file; errors end here, printed once, with a non-zero exit code.

mod admin_key;
mod bench;
mod bench_hosts;
mod bench_page;
mod bench_plugin;
mod bench_registry;
mod bench_timers;
mod deliveries;
mod events;
mod listen;
mod plugin;
mod profile;
mod remote;
mod replay;
mod scaffold;
mod serve;
mod shops;
mod trigger;
mod upload;
mod versions;
mod webhooks;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "kait",
    version,
    about = "Kait: the webhook engine and its plugin tools"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run, inspect and check transformer plugins locally.
    #[command(subcommand)]
    Plugin(plugin::Command),
    /// Print the plugin contract (wit/plugin.wit) that transformers implement.
    Wit,
    /// Sample events in the event format.
    #[command(subcommand)]
    Events(events::Command),
    /// Run the webhook service: API and delivery workers.
    Serve(serve::Serve),
    /// The admin key: `reset` makes a new one when the first start's is lost.
    #[command(subcommand)]
    AdminKey(admin_key::Command),
    /// The platform's shops (admin key): create, list.
    #[command(subcommand)]
    Shops(shops::Command),
    /// A shop's webhooks: create, list, pause, resume, delete, test.
    #[command(subcommand)]
    Webhooks(webhooks::Command),
    /// A shop's delivery log: list, show, retry.
    #[command(subcommand)]
    Deliveries(deliveries::Command),
    /// A local receiver: prints each request, checks its signature, answers a status.
    Listen(listen::Listen),
    /// Send the sample event of a type, with a fresh id, to a shop (or one webhook).
    Trigger(trigger::Trigger),
    /// Load test: a server, a local receiver and concurrent producers; prints
    /// throughput and ingest-to-delivery latency.
    Bench(bench::Bench),
    /// Load test of abandonment timers: idle CPU with many pending, and the time
    /// to fire many that fall due together.
    BenchTimers(bench_timers::BenchTimers),
    /// Measures one plugin component: cold compile, load from the disk cache, first
    /// call, and per-event time with fresh and with warm instances.
    BenchPlugin(bench_plugin::BenchPlugin),
    /// Measures a restart with many stored plugin versions: uploads, time to
    /// readiness, time to make every version ready, and compiles vs cache loads.
    BenchRegistry(bench_registry::BenchRegistry),
    /// Measures the merchant's page with a full delivery log: the webhooks list
    /// and the log, loaded one at a time.
    BenchPage(bench_page::BenchPage),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_)) {
        quiet_on_closed_pipe();
    }
    let result = match cli.command {
        Command::Plugin(command) => plugin::run(command),
        Command::Wit => scaffold::wit(),
        Command::Events(command) => events::run(command),
        Command::Serve(args) => serve::run(args),
        Command::AdminKey(command) => admin_key::run(command),
        Command::Shops(command) => shops::run(command),
        Command::Webhooks(command) => webhooks::run(command),
        Command::Deliveries(command) => deliveries::run(command),
        Command::Listen(args) => listen::run(args),
        Command::Trigger(args) => trigger::run(args),
        Command::Bench(args) => bench::run(args),
        Command::BenchTimers(args) => bench_timers::run(args),
        Command::BenchPlugin(args) => bench_plugin::run(args),
        Command::BenchRegistry(args) => bench_registry::run(args),
        Command::BenchPage(args) => bench_page::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// `kait … | head` ends quietly when `head` closes the pipe, as Unix tools do,
/// instead of panicking in `println!`: Rust ignores SIGPIPE by default, so a
/// write to a closed pipe is an error that `println!` turns into a panic. The
/// server keeps the default (its sockets never raise SIGPIPE anyway).
fn quiet_on_closed_pipe() {
    // SAFETY: restoring a signal's default disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
