# A throwaway upstream for the network sandbox tests, run in a container on
# the egress network: HTTPS on 443 and HTTP on 80 that echo what arrived,
# plus a UDP listener on 53 that records anything at all (nothing should
# ever reach it: the proxy never resolves blocked names, and the task
# container has no route to it).
import http.server, json, socket, ssl, sys, threading

def log(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()

class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith("/git/"):
            # dumb-HTTP git: static files of a bare repository
            try:
                with open("/srv" + self.path.split("?")[0], "rb") as f:
                    data = f.read()
                self.send_response(200)
            except OSError:
                data = b""
                self.send_response(404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            log("REQUEST %s %s %s" % (self.command, self.headers.get("Host"), self.path))
            return
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "https://blocked.test/after-redirect")
            self.send_header("Content-Length", "0")
            self.end_headers()
            log("REQUEST %s %s %s" % (self.command, self.headers.get("Host"), self.path))
            return
        body = json.dumps({
            "method": self.command,
            "path": self.path,
            "host": self.headers.get("Host"),
            "authorization": self.headers.get_all("Authorization") or [],
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        log("REQUEST %s %s %s auth=%s" % (self.command, self.headers.get("Host"), self.path,
                                           json.dumps(self.headers.get_all("Authorization") or [])))

    do_GET = do_POST = do_PUT = do_DELETE = answer

    def log_message(self, *args):
        pass

def serve_http():
    http.server.ThreadingHTTPServer(("0.0.0.0", 80), Echo).serve_forever()

def serve_https():
    server = http.server.ThreadingHTTPServer(("0.0.0.0", 443), Echo)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain("/srv/upstream.crt", "/srv/upstream.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()

def serve_udp():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", 53))
    while True:
        data, peer = sock.recvfrom(4096)
        log("UDP %s %d bytes" % (peer[0], len(data)))

for target in (serve_http, serve_https, serve_udp):
    threading.Thread(target=target, daemon=True).start()
log("UPSTREAM-READY")
threading.Event().wait()
