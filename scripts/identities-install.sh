#!/bin/sh
# The stack's users, groups and SSH public keys into this host's identity directory, which every
# Slurm container here mounts read-only: libnss-extrausers reads passwd and group from it at each
# lookup, sshd takes a user's keys from ssh/<user>. Every file is replaced whole (a rename), so
# that no lookup reads half a file, and nothing restarts.
#   IDENTITY_DIR     the directory on this host
#   PASSWD, GROUP    the two files' lines
#   AUTHORIZED_KEYS  lines "<user> <public key>"
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

# put FILE: replace FILE with this script's stdin, root's and readable by all (sshd wants keys
# that only root can change)
put() {
  as_root tee "$1.new" >/dev/null
  as_root chmod 0644 "$1.new"
  as_root mv -f "$1.new" "$1"
}

as_root mkdir -p "$IDENTITY_DIR/ssh"
as_root chmod 0755 "$IDENTITY_DIR" "$IDENTITY_DIR/ssh"
printf '%s' "$GROUP" | put "$IDENTITY_DIR/group"
printf '%s' "$PASSWD" | put "$IDENTITY_DIR/passwd"
users=$(printf '%s\n' "$AUTHORIZED_KEYS" | cut -s -d ' ' -f 1 | sort -u)
for user in $users; do
  printf '%s\n' "$AUTHORIZED_KEYS" | awk -v user="$user" '$1 == user { sub(/^[^ ]+ /, ""); print }' \
    | put "$IDENTITY_DIR/ssh/$user"
done
for file in "$IDENTITY_DIR"/ssh/*; do  # the keys of users the stack no longer has
  [ -e "$file" ] || continue
  case " $(echo "$users" | tr '\n' ' ') " in
    *" ${file##*/} "*) ;;
    *) as_root rm -f "$file" ;;
  esac
done
note "$(printf '%s' "$PASSWD" | grep -c '' || true) users, $(printf '%s' "$GROUP" | grep -c '' || true) groups in $IDENTITY_DIR"
