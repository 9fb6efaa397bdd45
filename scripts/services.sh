#!/usr/bin/env bash
# Private Redis, OpenLDAP (slapd) and MariaDB instances on loopback for tests and the demo.
#
#   scripts/services.sh up [redis|slapd|mariadb]...    install what is missing, start what is not running
#   scripts/services.sh down [redis|slapd|mariadb]...  stop exactly the processes this script started (by pid)
#   scripts/services.sh status                         one line per service
#   scripts/services.sh env                            the URLs the tests and the demo read, as shell exports
#
# Everything lives under $SERVICES_DIR (default: <repo>/.services, git-ignored).
# Ports are fixed and non-default so a developer's own servers are never touched.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${SERVICES_DIR:-$ROOT/.services}"
REDIS_PORT="${PROVISIONER_REDIS_PORT:-16379}"
LDAP_PORT="${PROVISIONER_LDAP_PORT:-13389}"
LDAPS_PORT="${PROVISIONER_LDAPS_PORT:-13636}"
MYSQL_PORT="${PROVISIONER_MYSQL_PORT:-13306}"
LDAP_SUFFIX="dc=example,dc=com"
AD_SUFFIX="dc=corp,dc=test"
LDAP_ADMIN="cn=admin,$LDAP_SUFFIX"
LDAP_PASSWORD="admin-secret"
MYSQL_DB="provisioner_test"
MYSQL_USER="provisioner"
MYSQL_PASSWORD="provisioner-secret"

log() { echo "services: $*" >&2; }

print_env() {
  cat <<ENV
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
export LDAP_URL="ldap://127.0.0.1:$LDAP_PORT"
export LDAPS_URL="ldaps://127.0.0.1:$LDAPS_PORT"
export LDAP_CA_FILE="$DIR/tls/ca.pem"
export LDAP_SUFFIX="$LDAP_SUFFIX"
export LDAP_AD_SUFFIX="$AD_SUFFIX"
export LDAP_BIND_DN="$LDAP_ADMIN"
export LDAP_BIND_PASSWORD="$LDAP_PASSWORD"
export MYSQL_URL="mysql://$MYSQL_USER:$MYSQL_PASSWORD@127.0.0.1:$MYSQL_PORT/$MYSQL_DB"
export MYSQL_ROOT_SOCKET="$DIR/mariadb/mysqld.sock"
export MYSQL_CA_FILE="$DIR/tls/ca.pem"
export SERVICES_SCRIPT="$ROOT/scripts/services.sh"
export SERVICES_DIR="$DIR"
ENV
}

apt_install() {
  local missing=()
  for pair in "$@"; do
    local bin="${pair%%:*}" pkg="${pair##*:}"
    command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then log "need root to apt-get install ${missing[*]}"; exit 1; fi
  # Debian's maintainer scripts would start the system-wide daemons; we run our own instances.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || apt-get update
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # name, command...
  local name="$1"; shift
  for _ in $(seq 1 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "$name did not come up; see $DIR/$name/*.log"; return 1
}

# --- Redis -----------------------------------------------------------------
redis_up() {
  apt_install redis-server:redis-server redis-cli:redis-tools
  mkdir -p "$DIR/redis"
  alive "$DIR/redis/redis.pid" && return 0
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$DIR/redis" \
    --appendonly yes --appendfsync everysec --maxmemory-policy noeviction \
    --save "" --daemonize yes --pidfile "$DIR/redis/redis.pid" --logfile "$DIR/redis/redis.log"
  wait_for redis redis-cli -p "$REDIS_PORT" ping
  log "redis up on 127.0.0.1:$REDIS_PORT"
}

# --- OpenLDAP ---------------------------------------------------------------
tls_material() {
  local d="$DIR/tls"
  [ -f "$d/server.pem" ] && return 0
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=provisioner test CA" \
    -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/ext.cnf"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
    -extfile "$d/ext.cnf" -out "$d/server.pem" 2>/dev/null
  chmod 600 "$d"/*.key
}

slapd_conf() {
  local d="$DIR/slapd" s=/etc/ldap/schema
  cat >"$d/slapd.conf" <<CONF
include $s/core.schema
include $s/cosine.schema
include $s/inetorgperson.schema
include $s/nis.schema
include $ROOT/test/fixtures/ldap/ad-test.schema
pidfile $d/slapd.pid
argsfile $d/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
TLSCACertificateFile $DIR/tls/ca.pem
TLSCertificateFile $DIR/tls/server.pem
TLSCertificateKeyFile $DIR/tls/server.key
# Like Active Directory's MaxPageSize: a plain search is cut at 500 entries, a paged one reads everything.
sizelimit size.soft=500 size.hard=500 size.prtotal=unlimited
timelimit 60

database mdb
suffix "$LDAP_SUFFIX"
rootdn "$LDAP_ADMIN"
rootpw $LDAP_PASSWORD
directory $d/data-example
maxsize 1073741824
index objectClass,entryUUID eq
index uid,cn,mail,member,uniqueMember,memberUid eq
limits dn.exact="$LDAP_ADMIN" size.soft=500 size.hard=500 size.prtotal=unlimited
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE

database mdb
suffix "$AD_SUFFIX"
rootdn "cn=admin,$AD_SUFFIX"
rootpw $LDAP_PASSWORD
directory $d/data-ad
maxsize 1073741824
index objectClass,entryUUID,objectGUID eq
index sAMAccountName,cn,member eq
limits dn.exact="cn=admin,$AD_SUFFIX" size.soft=500 size.hard=500 size.prtotal=unlimited
overlay memberof
memberof-group-oc group
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE
CONF
}

slapd_up() {
  apt_install slapd:slapd ldapsearch:ldap-utils openssl:openssl
  local d="$DIR/slapd"
  alive "$d/slapd.pid" && return 0
  mkdir -p "$d/data-example" "$d/data-ad"
  tls_material
  slapd_conf
  slapd -f "$d/slapd.conf" -h "ldap://127.0.0.1:$LDAP_PORT/ ldaps://127.0.0.1:$LDAPS_PORT/" >"$d/slapd.log" 2>&1
  wait_for slapd ldapsearch -x -H "ldap://127.0.0.1:$LDAP_PORT" -b "" -s base
  seed_suffix "$LDAP_SUFFIX" "$LDAP_ADMIN" "dcObject
objectClass: organization
o: example
dc: example"
  seed_suffix "$AD_SUFFIX" "cn=admin,$AD_SUFFIX" "dcObject
objectClass: organization
o: corp
dc: corp"
  log "slapd up on ldap://127.0.0.1:$LDAP_PORT and ldaps://127.0.0.1:$LDAPS_PORT"
}

seed_suffix() { # suffix, admin, object classes of the suffix entry
  ldapsearch -x -H "ldap://127.0.0.1:$LDAP_PORT" -D "$2" -w "$LDAP_PASSWORD" -b "$1" -s base >/dev/null 2>&1 && return 0
  printf 'dn: %s\nobjectClass: %s\n' "$1" "$3" | ldapadd -x -H "ldap://127.0.0.1:$LDAP_PORT" -D "$2" -w "$LDAP_PASSWORD" >/dev/null
}

# --- MariaDB ----------------------------------------------------------------
mariadb_up() {
  apt_install mariadbd:mariadb-server mariadb:mariadb-client
  local d="$DIR/mariadb"
  alive "$d/mysqld.pid" && return 0
  mkdir -p "$d"
  tls_material
  if [ ! -d "$d/data/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$d/data" --user="$(id -un)" \
      --auth-root-authentication-method=socket --skip-test-db >"$d/install.log" 2>&1
  fi
  mariadbd --no-defaults --datadir="$d/data" --socket="$d/mysqld.sock" --port="$MYSQL_PORT" \
    --bind-address=127.0.0.1 --pid-file="$d/mysqld.pid" --log-error="$d/mysqld.log" \
    --user="$(id -un)" --skip-name-resolve --innodb-buffer-pool-size=64M \
    --ssl-ca="$DIR/tls/ca.pem" --ssl-cert="$DIR/tls/server.pem" --ssl-key="$DIR/tls/server.key" >/dev/null 2>&1 &
  disown || true
  wait_for mariadb mariadb --no-defaults -S "$d/mysqld.sock" -u root -e "select 1"
  mariadb --no-defaults -S "$d/mysqld.sock" -u root <<SQL
CREATE DATABASE IF NOT EXISTS $MYSQL_DB CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS '$MYSQL_USER'@'127.0.0.1' IDENTIFIED BY '$MYSQL_PASSWORD';
CREATE USER IF NOT EXISTS '$MYSQL_USER'@'localhost' IDENTIFIED BY '$MYSQL_PASSWORD';
GRANT ALL ON $MYSQL_DB.* TO '$MYSQL_USER'@'127.0.0.1';
GRANT ALL ON $MYSQL_DB.* TO '$MYSQL_USER'@'localhost';
SQL
  log "mariadb up on 127.0.0.1:$MYSQL_PORT"
}

# --- stop -------------------------------------------------------------------
stop_pid() { # name, pidfile
  if alive "$2"; then
    local pid; pid="$(cat "$2")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    log "$1 stopped"
  fi
  rm -f "$2"
}

status_one() { # name, pidfile
  if alive "$2"; then echo "$1: running (pid $(cat "$2"))"; else echo "$1: stopped"; fi
}

services_of() { if [ $# -eq 0 ]; then echo redis slapd mariadb; else echo "$@"; fi; }

cmd="${1:-}"; shift || true
case "$cmd" in
  up)
    for s in $(services_of "$@"); do
      case "$s" in redis) redis_up ;; slapd) slapd_up ;; mariadb) mariadb_up ;; *) log "unknown service $s"; exit 1 ;; esac
    done ;;
  down)
    for s in $(services_of "$@"); do
      case "$s" in
        redis) stop_pid redis "$DIR/redis/redis.pid" ;;
        slapd) stop_pid slapd "$DIR/slapd/slapd.pid" ;;
        mariadb) stop_pid mariadb "$DIR/mariadb/mysqld.pid" ;;
        *) log "unknown service $s"; exit 1 ;;
      esac
    done ;;
  status)
    status_one redis "$DIR/redis/redis.pid"
    status_one slapd "$DIR/slapd/slapd.pid"
    status_one mariadb "$DIR/mariadb/mysqld.pid" ;;
  env) print_env ;;
  *) echo "usage: $0 up|down|status|env [redis|slapd|mariadb]..." >&2; exit 2 ;;
esac
