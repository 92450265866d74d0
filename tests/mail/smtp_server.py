"""A real SMTP submission server for the email tests: aiosmtpd with
STARTTLS required before AUTH (PLAIN/LOGIN, users from a file), handing
every accepted message to dovecot-lda for each recipient, so mail sent by
Airut lands in the test dovecot's mailboxes.

Usage: smtp_server.py PORT CERT KEY USERS_FILE DOVECOT_CONF
USERS_FILE: one "user:password" per line. Prints "READY" once listening.
"""

import asyncio
import ssl
import subprocess
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    port, cert, key, users_file, dovecot_conf = sys.argv[1:6]
    users = {}
    with open(users_file) as f:
        for line in f:
            line = line.strip()
            if line:
                name, password = line.split(":", 1)
                users[name] = password

    def authenticator(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            name = auth_data.login.decode()
            if users.get(name) == auth_data.password.decode():
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    class Deliver:
        async def handle_DATA(self, server, session, envelope):
            data = envelope.original_content or envelope.content
            if isinstance(data, str):
                data = data.encode()
            for rcpt in envelope.rcpt_tos:
                done = subprocess.run(
                    ["/usr/lib/dovecot/dovecot-lda", "-c", dovecot_conf,
                     "-d", rcpt.lower(), "-f", envelope.mail_from or ""],
                    input=data, capture_output=True)
                if done.returncode != 0:
                    sys.stderr.write("dovecot-lda %s: %s\n" % (rcpt, done.stderr.decode()))
                    return "451 delivery to %s failed" % rcpt
            return "250 OK"

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller = Controller(
        Deliver(), hostname="127.0.0.1", port=int(port),
        tls_context=context, require_starttls=True,
        authenticator=authenticator, auth_required=True,
        auth_require_tls=True, decode_data=False)
    controller.start()
    print("READY", flush=True)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
