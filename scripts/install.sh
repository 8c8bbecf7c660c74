#!/usr/bin/env bash
# Installs (or upgrades) logsift as a hardened systemd service on Ubuntu 22.04/24.04 and
# Debian 12 (SPEC §8), from a built source tree (`npm ci` already run):
#   - system user `logsift`; app in /opt/logsift (root-owned, so the service cannot
#     change its own code); config in /etc/logsift; data in /var/lib/logsift;
#   - /etc/systemd/system/logsift.service and /etc/sysctl.d/60-logsift.conf
#     (net.core.rmem_max, so engines get the receive buffers they ask for).
# Idempotent: run it again to upgrade; an existing config is never overwritten. Nothing
# else on the host is touched (no sudoers, no web server, no firewall, no reboot).
#
# --root DIR lays the same files under DIR instead of / (tests, image builds): the user is
# created in DIR/etc/passwd (useradd --prefix), files are chowned to its numeric ids, and
# nothing is started (no systemctl, no sysctl).
set -euo pipefail

usage() {
  cat <<'EOF'
usage: install.sh [--root DIR] [--user NAME] [--force]
  --root DIR   install under DIR instead of / and start nothing
  --user NAME  service account name (default: logsift)
  --force      install on an OS other than Ubuntu 22.04/24.04 or Debian 12
EOF
}

ROOT=""
SVC_USER="logsift"
FORCE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT="${2:?--root needs a directory}"; shift 2 ;;
    --user) SVC_USER="${2:?--user needs a name}"; shift 2 ;;
    --force) FORCE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
if [ -n "$ROOT" ]; then
  mkdir -p "$ROOT"
  ROOT="$(cd "$ROOT" && pwd)"
fi

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP=/opt/logsift
CONF_DIR=/etc/logsift
CONF="$CONF_DIR/logsift.json"
DATA=/var/lib/logsift
UNIT=/etc/systemd/system/logsift.service
SYSCTL=/etc/sysctl.d/60-logsift.conf
# 32 MiB: room for several engines' 8 MiB SO_RCVBUF (the default per socket) and bursts.
RMEM_MAX=33554432

say() { printf '%s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0)"

if [ -z "$ROOT" ] && [ "$FORCE" -eq 0 ]; then
  # shellcheck disable=SC1091 # the host's file, read for ID and VERSION_ID
  . /etc/os-release
  case "${ID:-}:${VERSION_ID:-}" in
    ubuntu:22.04|ubuntu:24.04|debian:12) ;;
    *) die "unsupported OS ${PRETTY_NAME:-unknown}; supported: Ubuntu 22.04/24.04, Debian 12 (use --force to try anyway)" ;;
  esac
fi

NODE="$(command -v node || true)"
[ -n "$NODE" ] || die "node (>= 20.17) is not installed"
"$NODE" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=17)?0:1)' ||
  die "node $("$NODE" --version) is too old; logsift needs >= 20.17"
for f in dist/src/cli/main.js node_modules crates/engine/index.js; do
  [ -e "$SRC/$f" ] || die "$SRC/$f is missing: run 'npm ci' in $SRC first (it builds the addon and the TypeScript)"
done
compgen -G "$SRC/crates/engine/*.node" >/dev/null || die "the native addon is not built: run 'npm ci' in $SRC first"

# --- user ------------------------------------------------------------------------------
passwd_field() { awk -F: -v u="$1" -v f="$2" '$1 == u { print $f }' "$3"; }
if [ -n "$ROOT" ]; then
  mkdir -p "$ROOT/etc"
  for f in passwd group shadow gshadow; do [ -e "$ROOT/etc/$f" ] || touch "$ROOT/etc/$f"; done
fi
if [ -z "$(passwd_field "$SVC_USER" 1 "$ROOT/etc/passwd")" ]; then
  prefix=()
  [ -n "$ROOT" ] && prefix=(--prefix "$ROOT")
  useradd "${prefix[@]}" --system --user-group --home-dir "$DATA" --no-create-home \
    --shell /usr/sbin/nologin --comment "logsift syslog collector" "$SVC_USER"
  say "created system user $SVC_USER"
fi
SVC_UID="$(passwd_field "$SVC_USER" 3 "$ROOT/etc/passwd")"
SVC_GID="$(passwd_field "$SVC_USER" 4 "$ROOT/etc/passwd")"

# --- application -----------------------------------------------------------------------
# Built beside the old tree and swapped in, so a failed copy leaves the running version whole.
stage="$ROOT$APP.new"
rm -rf "$stage"
install -d -m 0755 "$stage" "$stage/crates/engine" "$stage/views" "$stage/node_modules"
cp -R "$SRC/package.json" "$SRC/package-lock.json" "$SRC/README.md" "$stage/"
cp -R "$SRC/dist" "$stage/dist"
cp -R "$SRC/config" "$stage/config"
cp -R "$SRC/views/static" "$stage/views/static"
cp "$SRC/crates/engine/index.js" "$SRC/crates/engine/package.json" "$SRC/crates/engine/"*.node "$stage/crates/engine/"
# Runtime dependencies only (no compilers, test browsers or type checkers): npm lists them.
if command -v npm >/dev/null && deps="$(cd "$SRC" && npm ls --omit=dev --parseable --all 2>/dev/null)"; then
  while IFS= read -r dir; do
    rel="${dir#"$SRC"/}"
    case "$rel" in
      node_modules/@*/*) top="$(printf '%s' "$rel" | cut -d/ -f1-3)" ;;
      node_modules/*) top="$(printf '%s' "$rel" | cut -d/ -f1-2)" ;;
      *) continue ;;
    esac
    [ -e "$stage/$top" ] && continue
    mkdir -p "$(dirname "$stage/$top")"
    cp -R "$SRC/$top" "$stage/$top"
  done <<<"$deps"
else
  cp -R "$SRC/node_modules/." "$stage/node_modules/"
fi
# Compiled tests and benchmarks are of no use on a server.
rm -rf "$stage/dist/test" "$stage/dist/bench"
chown -R 0:0 "$stage"
chmod -R u=rwX,go=rX "$stage"
if [ -d "$ROOT$APP" ]; then
  rm -rf "$ROOT$APP.old"
  mv "$ROOT$APP" "$ROOT$APP.old"
fi
mv "$stage" "$ROOT$APP"
rm -rf "$ROOT$APP.old"
say "installed the application in $APP"

# --- config and data -------------------------------------------------------------------
# The console edits the config file (atomic save plus .bak in the same directory), so the
# directory belongs to the service user; other users cannot read it.
install -d -m 0750 -o "$SVC_UID" -g "$SVC_GID" "$ROOT$CONF_DIR" "$ROOT$DATA"
if [ ! -e "$ROOT$CONF" ]; then
  "$NODE" -e '
    const fs = require("fs")
    const [from, to, data] = process.argv.slice(1)
    const c = JSON.parse(fs.readFileSync(from, "utf8"))
    c.data_dir = data + "/data"
    c.system_db = data + "/logsift-system.duckdb"
    fs.writeFileSync(to, JSON.stringify(c, null, 2) + "\n")
  ' "$SRC/config/logsift.json" "$ROOT$CONF" "$DATA"
  say "wrote the default config $CONF"
else
  say "kept the existing config $CONF"
fi
chown "$SVC_UID:$SVC_GID" "$ROOT$CONF"
chmod 0640 "$ROOT$CONF"

# --- kernel buffers --------------------------------------------------------------------
install -d -m 0755 "$ROOT/etc/sysctl.d"
cat >"$ROOT$SYSCTL" <<EOF
# Installed by logsift (scripts/install.sh). Lets each UDP socket get the receive buffer
# its engine asks for (receive_buffer_bytes), so bursts wait in the kernel instead of
# being dropped. Removed by scripts/uninstall.sh.
net.core.rmem_max = $RMEM_MAX
EOF
chmod 0644 "$ROOT$SYSCTL"

# --- service ---------------------------------------------------------------------------
install -d -m 0755 "$ROOT/etc/systemd/system"
cat >"$ROOT$UNIT" <<EOF
# Installed by logsift (scripts/install.sh); reinstalling overwrites it. Put local
# changes in a drop-in: systemctl edit logsift
[Unit]
Description=logsift syslog collector
Documentation=file://$APP/README.md
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$SVC_USER
Group=$SVC_USER
WorkingDirectory=$DATA
Environment=NODE_ENV=production
ExecStart=$NODE $APP/dist/src/cli/main.js serve --config $CONF
ExecReload=/bin/kill -HUP \$MAINPID
# serve drains, commits and closes within 60 s of SIGTERM; SIGKILL only after that.
KillSignal=SIGTERM
TimeoutStopSec=90
Restart=on-failure
RestartSec=2
LimitNOFILE=65536
# Lets the UDP receiver threads raise their priority to nice -10 (crates/core/src/recv.rs),
# so storage work cannot starve the socket buffers when the cores are busy.
LimitNICE=-10
# serve sets umask 077 itself (src/cli/main.ts); the same here for anything else it starts.
UMask=0077
# Bounds what a flood or a runaway query can take from the host. One engine peaked at
# 971 MB at 200k msg/s with its queue full (README, Performance); above MemoryHigh the
# kernel reclaims and slows the service, at MemoryMax it is killed and restarted
# (Restart=on-failure). Raise both in a drop-in for several busy engines.
MemoryHigh=1536M
MemoryMax=2G

# Non-root, with the one capability a port below 1024 (syslog's 514) needs.
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=$DATA $CONF_DIR
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
# No MemoryDenyWriteExecute: V8's JIT needs memory that is writable and executable.

[Install]
WantedBy=multi-user.target
EOF
chmod 0644 "$ROOT$UNIT"

if [ -n "$ROOT" ]; then
  say "installed under $ROOT; nothing started (--root)"
  exit 0
fi

# Only our own drop-in is applied; other sysctl settings are left as they are. A container
# may refuse it (read-only /proc/sys): the service still runs, with smaller buffers.
sysctl -q -p "$SYSCTL" || say "warning: could not apply $SYSCTL now; it applies at the next boot"
systemctl daemon-reload
systemctl enable -q logsift
if systemctl is-active -q logsift; then
  systemctl restart logsift
  say "restarted logsift (upgrade)"
else
  systemctl start logsift
  say "started logsift"
fi

# shellcheck disable=SC2016 # the quoted text is JavaScript; its ${…} are template literals
url="$("$NODE" -e '
  const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
  const h = c.http ?? {}
  const host = h.host ?? "127.0.0.1"
  const shown = host === "0.0.0.0" || host === "::" ? require("os").hostname() : host.includes(":") ? `[${host}]` : host
  console.log(`${h.tls ? "https" : "http"}://${shown}:${h.port ?? 8514}`)
' "$CONF")"
cat <<EOF

logsift is running.
  console:      $url   (http.host in $CONF; 127.0.0.1 means this machine only)
  setup token:  journalctl -u logsift -o cat | grep -m1 setup_token
                (printed on the first start, until the first admin is created)
  config:       $CONF   (edit, then: systemctl reload logsift)
  data:         $DATA
  log:          journalctl -u logsift -f
EOF
