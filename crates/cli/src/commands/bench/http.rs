//! A minimal keep-alive HTTP/1.1 client for the ingest bench: POST with Content-Length, read
//! the status line, the headers and a Content-Length body. Enough for Leadline's own
//! answers; it keeps an HTTP client library out of the binary.

use std::io::{Error, ErrorKind, Result};
use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One connection, reused for every request (HTTP/1.1 keep-alive).
pub struct Client {
    addr: SocketAddr,
    conn: Option<BufReader<TcpStream>>,
    request: Vec<u8>,
    line: String,
}

/// A response: its status and body.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            conn: None,
            request: Vec::with_capacity(64 * 1024),
            line: String::new(),
        }
    }

    /// POSTs `body` to `path`; `headers` are extra header lines, each ending in `\r\n`.
    /// Reconnects when the server closed the previous connection.
    pub async fn post(&mut self, path: &str, headers: &str, body: &[u8]) -> Result<Response> {
        self.request.clear();
        self.request.extend_from_slice(
            format!(
                "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{headers}\r\n",
                self.addr,
                body.len()
            )
            .as_bytes(),
        );
        self.request.extend_from_slice(body);
        let mut conn = match self.conn.take() {
            Some(c) => c,
            None => {
                let s = TcpStream::connect(self.addr).await?;
                s.set_nodelay(true)?;
                BufReader::with_capacity(16 * 1024, s)
            }
        };
        conn.get_mut().write_all(&self.request).await?;
        let (response, keep) = read_response(&mut conn, &mut self.line).await?;
        if keep {
            self.conn = Some(conn);
        }
        Ok(response)
    }
}

async fn read_response(
    conn: &mut BufReader<TcpStream>,
    line: &mut String,
) -> Result<(Response, bool)> {
    let bad = |what: &str| Error::new(ErrorKind::InvalidData, what.to_owned());
    line.clear();
    if conn.read_line(line).await? == 0 {
        return Err(Error::new(
            ErrorKind::UnexpectedEof,
            "the server closed the connection",
        ));
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("not an HTTP status line"))?;
    let mut length = 0usize;
    let mut keep = true;
    loop {
        line.clear();
        if conn.read_line(line).await? == 0 {
            return Err(bad("the connection closed inside the headers"));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(bad("malformed header line"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().map_err(|_| bad("bad Content-Length"))?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(bad(
                "chunked responses are not supported by the bench client",
            ));
        } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
            keep = false;
        }
    }
    let mut body = vec![0; length];
    conn.read_exact(&mut body).await?;
    Ok((Response { status, body }, keep))
}
