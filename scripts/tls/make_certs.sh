#!/usr/bin/env bash
# Makes what --lp_tls_cert/--lp_tls_key/--lp_tls_ca need, with openssl: a CA of its own and
# one certificate signed by it that every node of a program presents, as server and as
# client. For trying TLS out, for tests, and for a cluster without a CA of its own; a site
# with its own PKI issues these instead. docs/courier.md, "TLS".
#
#   scripts/tls/make_certs.sh DIR [--name NAME] [--ip IP]... [--days N]
#
# Writes DIR/ca.pem (give to --lp_tls_ca), DIR/node.pem (--lp_tls_cert), DIR/node.key
# (--lp_tls_key, mode 0600) and DIR/ca.key (keep it, or delete it: it signs more
# certificates). The certificate names NAME (default lp-node; use it with
# --lp_tls_server_name), localhost, 127.0.0.1 and every --ip given.
set -euo pipefail

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 64; }
[[ $# -ge 1 && $1 != -* ]] || usage
dir=$1
shift
name=lp-node
days=3650
ips=(127.0.0.1)
while [[ $# -gt 0 ]]; do
  case $1 in
    --name) name=$2; shift 2 ;;
    --ip) ips+=("$2"); shift 2 ;;
    --days) days=$2; shift 2 ;;
    *) usage ;;
  esac
done
command -v openssl >/dev/null || { echo "make_certs.sh: needs openssl (apt-get install openssl)" >&2; exit 69; }

mkdir -p "$dir"
umask 077
alt="DNS:${name},DNS:localhost"
for ip in "${ips[@]}"; do alt+=",IP:${ip}"; done

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
  -subj "/CN=Launchpad test CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  2>/dev/null
openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=${name}" \
  -keyout "$dir/node.key" -out "$dir/node.csr" 2>/dev/null
openssl x509 -req -in "$dir/node.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
  -days "$days" -sha256 -out "$dir/node.pem" -extfile <(printf '%s\n' \
    "subjectAltName=${alt}" \
    "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth") 2>/dev/null
rm -f "$dir/node.csr" "$dir/ca.srl"
chmod 644 "$dir/ca.pem" "$dir/node.pem"
echo "made $dir/ca.pem, $dir/node.pem, $dir/node.key (names: ${alt})"
