//! The writer thread: one connection, group commit.
//!
//! Callers queue work; the thread takes everything queued (up to a batch), runs each
//! piece in its own savepoint inside one `BEGIN IMMEDIATE … COMMIT`, and answers each
//! caller only after the commit returned. One fsync then covers many writes, which
//! is what lets ingest stay durable and still take thousands of events a second.

use std::sync::mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::StoreError;

const BATCH: usize = 512;

type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A queued write: given the connection inside a transaction it runs and returns
/// how to answer once the commit is known; given `None` (no transaction could be
/// begun) it runs nothing.
type Op = Box<dyn FnOnce(Option<&Connection>) -> Reply + Send>;

enum Msg {
    Op(Op),
    /// Checkpoint the WAL into the database file, close, and answer.
    Close(oneshot::Sender<()>),
}

#[derive(Clone)]
pub(super) struct Writer {
    queue: mpsc::Sender<Msg>,
}

impl Writer {
    pub(super) fn start(conn: Connection) -> Self {
        let (queue, ops) = mpsc::channel::<Msg>();
        std::thread::Builder::new()
            .name("kait-store-writer".into())
            .spawn(move || run(conn, ops))
            .expect("spawn the store writer thread");
        Self { queue }
    }

    pub(super) async fn write<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let (tx, rx) = oneshot::channel();
        let op: Op = Box::new(move |conn| {
            let result = match conn {
                Some(conn) => in_savepoint(conn, f),
                None => Err(StoreError::Closed),
            };
            Box::new(move |committed: Result<(), String>| {
                let _ = tx.send(committed.map_err(StoreError::Commit).and(result));
            })
        });
        self.queue
            .send(Msg::Op(op))
            .map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Finishes what is queued, checkpoints and closes the connection.
    pub(super) async fn close(&self) {
        let (tx, rx) = oneshot::channel();
        if self.queue.send(Msg::Close(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

fn in_savepoint<R>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    conn.execute_batch("SAVEPOINT op")?;
    let result = f(conn);
    let end = match result {
        Ok(_) => "RELEASE op",
        Err(_) => "ROLLBACK TO op; RELEASE op",
    };
    conn.execute_batch(end)?;
    result
}

fn run(conn: Connection, queue: mpsc::Receiver<Msg>) {
    let mut closing = None;
    while closing.is_none() {
        let first = match queue.recv() {
            Ok(Msg::Op(op)) => op,
            Ok(Msg::Close(done)) => {
                closing = Some(done);
                break;
            }
            Err(_) => break,
        };
        if let Err(error) = conn.execute_batch("BEGIN IMMEDIATE") {
            first(None)(Err(error.to_string()));
            continue;
        }
        let mut replies = Vec::with_capacity(16);
        replies.push(first(Some(&conn)));
        while replies.len() < BATCH {
            match queue.try_recv() {
                Ok(Msg::Op(op)) => replies.push(op(Some(&conn))),
                Ok(Msg::Close(done)) => {
                    closing = Some(done);
                    break;
                }
                Err(_) => break,
            }
        }
        let committed = conn.execute_batch("COMMIT").map_err(|e| e.to_string());
        if committed.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for reply in replies {
            reply(committed.clone());
        }
    }
    // With the readers gone, closing the last connection after a full checkpoint
    // leaves the database in its one file.
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
    drop(conn);
    if let Some(done) = closing {
        let _ = done.send(());
    }
}
