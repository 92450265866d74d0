//! A tiny HTTP/1.1 server on 127.0.0.1 standing in for the release
//! location: scripted replies per path, and a log of what was asked.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub enum Reply {
    /// 200 with this body.
    Body(Vec<u8>),
    /// This status, empty body.
    Status(u16),
    /// Announce the whole body, send `sent` bytes, close.
    Truncated { body: Vec<u8>, sent: usize },
    /// Wait, then reply.
    Delayed(Duration, Box<Reply>),
    /// 302 to this Location.
    Redirect(String),
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub no_cache: bool,
}

#[derive(Default)]
struct State {
    /// Replies per path, used in order; the last one repeats.
    routes: HashMap<String, VecDeque<Reply>>,
    log: Vec<Recorded>,
}

pub struct TestServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    accept: JoinHandle<()>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&shared)));
            }
        });
        TestServer {
            addr,
            state,
            accept,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}/releases", self.addr)
    }

    /// Replies to `path` (below the base) with `reply` from now on.
    pub fn route(&self, path: &str, reply: Reply) {
        self.route_sequence(path, vec![reply]);
    }

    pub fn route_sequence(&self, path: &str, replies: Vec<Reply>) {
        let mut state = self.state.lock().unwrap();
        state
            .routes
            .insert(format!("/releases/{path}"), replies.into());
    }

    /// Requests for `path` (below the base) so far.
    pub fn requests(&self, path: &str) -> Vec<Recorded> {
        let full = format!("/releases/{path}");
        let state = self.state.lock().unwrap();
        state
            .log
            .iter()
            .filter(|r| r.path == full)
            .cloned()
            .collect()
    }

    pub fn hits(&self, path: &str) -> usize {
        self.requests(path).len()
    }

    pub fn total_hits(&self) -> usize {
        self.state.lock().unwrap().log.len()
    }

    /// Stops accepting: new connections are refused.
    pub fn stop(&self) {
        self.accept.abort();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// A loopback address nothing listens on.
pub async fn dead_base_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/releases")
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 16 * 1024 {
            return;
        }
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let path = text
        .lines()
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .unwrap_or("/")
        .to_owned();
    let no_cache = text.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("cache-control: no-cache")
    });
    let reply = {
        let mut state = state.lock().unwrap();
        state.log.push(Recorded {
            path: path.clone(),
            no_cache,
        });
        match state.routes.get_mut(&path) {
            Some(queue) if queue.len() > 1 => queue.pop_front(),
            Some(queue) => queue.front().cloned(),
            None => None,
        }
    };
    let mut reply = reply.unwrap_or(Reply::Status(404));
    while let Reply::Delayed(delay, inner) = reply {
        tokio::time::sleep(delay).await;
        reply = *inner;
    }
    let mut location = String::new();
    let (status, body, sent) = match reply {
        Reply::Body(body) => {
            let n = body.len();
            (200, body, n)
        }
        Reply::Status(status) => (status, Vec::new(), 0),
        Reply::Truncated { body, sent } => (200, body, sent),
        Reply::Redirect(to) => {
            location = format!("Location: {to}\r\n");
            (302, Vec::new(), 0)
        }
        Reply::Delayed(..) => unreachable!(),
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\n{location}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&body[..sent]).await;
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
}
