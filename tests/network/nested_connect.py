# Opens an intercepted TLS session to the proxy for an allowed name, then
# asks for a CONNECT tunnel inside it. Prints the status line's code, or
# "closed" if the proxy hung up.
import socket, ssl, sys
proxy = sys.argv[1]
target = sys.argv[2]
context = ssl.create_default_context()
raw = socket.create_connection((proxy, 443), timeout=5)
tls = context.wrap_socket(raw, server_hostname="allowed.test")
tls.sendall(("CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n\r\n" % (target, target)).encode())
try:
    data = tls.recv(4096)
except Exception:
    data = b""
line = data.split(b"\r\n", 1)[0].decode(errors="replace")
print(line.split(" ")[1] if line.startswith("HTTP/") else "closed")
