use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use super::*;

/// A connected pair: (our end, the far end).
async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let near = TcpStream::connect(listener.local_addr().expect("addr"))
        .await
        .expect("connect");
    let (far, _) = listener.accept().await.expect("accept");
    (near, far)
}

#[tokio::test]
async fn silent_connections_time_out() {
    let (client, _client_far) = pair().await;
    let (server, _server_far) = pair().await;
    let err = splice(client, server, Duration::from_millis(100))
        .await
        .expect_err("timeout");
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
}

#[tokio::test]
async fn traffic_keeps_the_connection_alive() {
    let (client, mut client_far) = pair().await;
    let (server, mut server_far) = pair().await;
    let task = tokio::spawn(splice(client, server, Duration::from_millis(300)));
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        client_far.write_all(b"ping").await.expect("write");
        let mut got = [0u8; 4];
        server_far.read_exact(&mut got).await.expect("read");
        assert_eq!(&got, b"ping");
    }
    drop(server_far);
    task.await.expect("join").expect("splice");
}

#[tokio::test]
async fn the_server_closing_ends_it_even_if_the_client_lingers() {
    let (client, mut client_far) = pair().await;
    let (server, mut server_far) = pair().await;
    let task = tokio::spawn(splice(client, server, Duration::from_secs(30)));
    server_far.write_all(b"bye").await.expect("write");
    drop(server_far);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("ended promptly")
        .expect("join")
        .expect("splice");
    let mut got = Vec::new();
    client_far.read_to_end(&mut got).await.expect("read");
    assert_eq!(got, b"bye");
}

#[tokio::test]
async fn a_client_half_close_still_gets_the_answer() {
    let (client, mut client_far) = pair().await;
    let (server, mut server_far) = pair().await;
    let task = tokio::spawn(splice(client, server, Duration::from_secs(30)));
    client_far.write_all(b"question").await.expect("write");
    client_far.shutdown().await.expect("half close");
    let mut asked = Vec::new();
    server_far.read_to_end(&mut asked).await.expect("read");
    assert_eq!(asked, b"question");
    server_far.write_all(b"answer").await.expect("write");
    drop(server_far);
    let mut got = Vec::new();
    client_far.read_to_end(&mut got).await.expect("read");
    assert_eq!(got, b"answer");
    task.await.expect("join").expect("splice");
}
