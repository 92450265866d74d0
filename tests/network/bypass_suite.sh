# Runs inside the task container behind the proxy. Each attempt prints
# `RESULT <name> <value>`; the test decides what each value must be.
# Every target is ours: the proxy, the upstream container, the host's
# bridge address, another conversation's proxy. Every call is time-bounded.
set -u
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 6 "$@" 2>/dev/null; }
body() { curl -s --max-time 6 "$@" 2>/dev/null; }
auth() { body "$@" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["authorization"]))' 2>/dev/null || echo error; }
r() { echo "RESULT $1 ${2:-}"; }
answer_or_none() { out=$(dig +short +time=2 +tries=1 "$@" 2>/dev/null); [ -n "$out" ] && [ "${out#;;}" = "$out" ] && echo "$out" || echo no-answer; }

r proxy_ip "$PROXY_IP"
# allowed
r allowed_https "$(code https://allowed.test/ok)"
r allowed_http "$(code http://allowed.test/ok)"
r allowed_path "$(code https://paths.test/allowed/file)"
r git_clone "$(git clone -q https://allowed.test/git/repo.git /tmp/clone 2>/dev/null && cat /tmp/clone/README)"
# blocked names and addresses
r blocked_https "$(code https://blocked.test/)"
r blocked_http "$(code http://blocked.test/)"
r literal_ipv4_upstream "$(code -k "https://$UPSTREAM_IP/")"
r literal_ipv4_proxy_no_sni "$(code -k "https://$PROXY_IP/")"
r literal_ipv6 "$(code -k 'https://[fd00::1]/')"
r other_port "$(code http://allowed.test:8080/)"
r udp_direct "$(echo ping | timeout 3 nc -u -w1 "$UPSTREAM_IP" 53 >/dev/null 2>&1; echo sent)"
# DNS
r dns_blocked_name "$(getent hosts blocked.test | awk '{print $1}')"
r dns_aaaa_answers "$(dig +short +time=2 +tries=1 AAAA allowed.test "@$PROXY_IP" | grep -c .)"
r dns_tcp "$(dig +short +tcp +time=2 +tries=1 A whatever.test "@$PROXY_IP")"
r dns_gateway "$(answer_or_none A allowed.test "@$GATEWAY_IP")"
r dns_other_upstream "$(answer_or_none A allowed.test "@$UPSTREAM_IP")"
# tunnels and mismatches
r connect_80 "$(curl -s -o /dev/null -w '%{http_connect}' --max-time 6 -p -x http://allowed.test:80 https://allowed.test/ 2>/dev/null)"
r connect_443_plain "$(printf 'CONNECT allowed.test:443 HTTP/1.1\r\nHost: allowed.test:443\r\n\r\n' | timeout 5 nc -w3 "$PROXY_IP" 443 | wc -c)"
r sni_host_mismatch "$(code -H 'Host: blocked.test' https://allowed.test/)"
r absolute_form_mismatch "$(printf 'GET http://allowed.test/ HTTP/1.1\r\nHost: blocked.test\r\nConnection: close\r\n\r\n' | timeout 5 nc -w3 "$PROXY_IP" 80 | head -1 | awk '{print $2}')"
r nested_connect "$(timeout 10 python3 /srv/nested_connect.py "$PROXY_IP" "$UPSTREAM_IP" 2>/dev/null || echo closed)"
r non_tls_443 "$(printf 'hello there\r\n\r\n' | timeout 5 nc -w3 "$PROXY_IP" 443 | wc -c)"
r http2_prior_knowledge "$(code --http2-prior-knowledge http://blocked.test/)"
r http2_tls "$(code --http2 https://blocked.test/)"
r websocket_blocked "$(code -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' https://blocked.test/ws)"
r redirect_to_blocked "$(code -L https://allowed.test/redirect)"
# paths
r encoded_traversal "$(code --path-as-is 'https://paths.test/allowed/%2e%2e/secret')"
r double_encoded "$(code --path-as-is 'https://paths.test/allowed/%252e%252e/secret')"
r backslash "$(code --path-as-is 'https://paths.test/allowed/..\secret')"
r path_params "$(code --path-as-is 'https://paths.test/allowed/x;/../secret')"
r dot_segment "$(code --path-as-is 'https://paths.test/allowed/../secret')"
r method_blocked "$(code -X POST https://methods.test/)"
# the host and other conversations
r host_service "$(code "http://$GATEWAY_IP:$HOST_PORT/")"
r other_conversation "$(code "http://$OTHER_PROXY/")"
# credentials
r dup_credentials "$(auth -H "Authorization: Bearer $GH_TOKEN" -H 'Authorization: Bearer attacker-token' https://scoped.test/echo)"
r foreign_credential "$(auth -H 'Authorization: Bearer attacker-token' https://scoped.test/echo)"
r surrogate_unscoped "$(auth -H "Authorization: Bearer $GH_TOKEN" https://unscoped.test/echo)"
r env_has_surrogate "$([ "$GH_TOKEN" = ghp_SurrogateValueSeenInsideTheSandbox99 ] && echo yes || echo no)"
