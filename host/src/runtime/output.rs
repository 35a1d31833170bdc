//! Captured stdout and stderr of a guest: one shared, capped buffer for both
//! streams, drained after every call. A write past the cap keeps what fits, marks
//! the capture as overflowed and traps the guest, so a flood costs at most the cap.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};

#[derive(Debug, Default)]
struct Buffer {
    bytes: Vec<u8>,
    overflowed: bool,
}

/// A capped in-memory sink shared by a guest's stdout and stderr.
#[derive(Debug, Clone)]
pub(crate) struct Capture {
    capacity: usize,
    buffer: Arc<Mutex<Buffer>>,
}

impl Capture {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            buffer: Arc::default(),
        }
    }

    /// Takes what was captured so far, and whether the cap was hit, leaving it empty.
    pub(crate) fn take(&self) -> (String, bool) {
        let mut buffer = self.buffer.lock().unwrap();
        let taken = std::mem::take(&mut *buffer);
        (
            String::from_utf8_lossy(&taken.bytes).into_owned(),
            taken.overflowed,
        )
    }

    fn append(&self, bytes: &[u8]) -> Result<(), StreamError> {
        let mut buffer = self.buffer.lock().unwrap();
        let room = self.capacity.saturating_sub(buffer.bytes.len());
        let fits = bytes.len().min(room);
        buffer.bytes.extend_from_slice(&bytes[..fits]);
        if fits < bytes.len() {
            buffer.overflowed = true;
            return Err(StreamError::Trap(wasmtime::format_err!(
                "plugin output exceeded {} bytes",
                self.capacity
            )));
        }
        Ok(())
    }
}

impl IsTerminal for Capture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Capture {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for Capture {
    async fn ready(&mut self) {}
}

impl OutputStream for Capture {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        self.append(&bytes)
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }

    fn check_write(&mut self) -> Result<usize, StreamError> {
        // Always accept a write, so an overflowing one reaches `write` and is recorded.
        Ok(64 << 10)
    }
}

impl tokio::io::AsyncWrite for Capture {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let result = self.append(buf).map(|()| buf.len());
        std::task::Poll::Ready(result.map_err(|_| std::io::ErrorKind::StorageFull.into()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}
