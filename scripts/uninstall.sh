#!/usr/bin/env bash
# Removes what scripts/install.sh installed: the service (stopped and disabled), its unit,
# the sysctl drop-in and /opt/logsift. The config (/etc/logsift), the data
# (/var/lib/logsift) and the `logsift` user that owns them stay, so a reinstall picks up
# where it left off; --purge removes them too. Nothing else on the host is touched.
# --root DIR works on a tree laid down by `install.sh --root DIR` and stops nothing.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: uninstall.sh [--root DIR] [--user NAME] [--purge]
  --root DIR   uninstall from DIR instead of / and stop nothing
  --user NAME  service account name (default: logsift)
  --purge      also delete the config, all stored logs and the service user
EOF
}

ROOT=""
SVC_USER="logsift"
PURGE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT="${2:?--root needs a directory}"; shift 2 ;;
    --user) SVC_USER="${2:?--user needs a name}"; shift 2 ;;
    --purge) PURGE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
if [ -n "$ROOT" ]; then
  [ -d "$ROOT" ] || { printf 'uninstall.sh: %s is not a directory\n' "$ROOT" >&2; exit 1; }
  ROOT="$(cd "$ROOT" && pwd)"
fi

APP=/opt/logsift
CONF_DIR=/etc/logsift
DATA=/var/lib/logsift
UNIT=/etc/systemd/system/logsift.service
SYSCTL=/etc/sysctl.d/60-logsift.conf

say() { printf '%s\n' "$*"; }
[ "$(id -u)" -eq 0 ] || { printf 'uninstall.sh: run as root (sudo %s)\n' "$0" >&2; exit 1; }

if [ -z "$ROOT" ] && [ -e "$UNIT" ]; then
  # A clean stop: the service stores every queued row and closes its files first.
  systemctl disable -q --now logsift || true
fi
rm -f "$ROOT$UNIT" "$ROOT$SYSCTL"
[ -z "$ROOT" ] && systemctl daemon-reload
rm -rf "$ROOT$APP" "$ROOT$APP.new" "$ROOT$APP.old"
say "removed the service, the sysctl drop-in and $APP"
# The raised net.core.rmem_max stays in effect until the next boot; nothing is reset by hand.

if [ "$PURGE" -eq 0 ]; then
  say "kept $CONF_DIR, $DATA and the user $SVC_USER (run with --purge to delete them)"
  exit 0
fi
rm -rf "$ROOT$CONF_DIR" "$ROOT$DATA"
prefix=()
[ -n "$ROOT" ] && prefix=(--prefix "$ROOT")
has_entry() { awk -F: -v n="$1" '$1 == n { found = 1 } END { exit !found }' "$2" 2>/dev/null; }
if has_entry "$SVC_USER" "$ROOT/etc/passwd"; then userdel "${prefix[@]}" "$SVC_USER"; fi
# userdel removes the user's own group only where login.defs says USERGROUPS_ENAB.
if has_entry "$SVC_USER" "$ROOT/etc/group"; then groupdel "${prefix[@]}" "$SVC_USER"; fi
say "purged $CONF_DIR, $DATA and the user $SVC_USER"
