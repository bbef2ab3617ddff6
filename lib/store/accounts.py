"""Named queries and writes of the user accounts and their sign-in bookkeeping.

Policy (who may do what, lock-out numbers) lives in lib.services.auth; these
methods only read and write, each write with its audit entry in one transaction.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from lib.store.connection import StoreError

_USER_FIELDS = (
    "username, display_name, role, agency_code, area_code, is_active, "
    "failed_attempts, locked_until, created_at, password_changed_at"
)
_USER_UPDATABLE = frozenset(
    {
        "display_name",
        "role",
        "agency_code",
        "area_code",
        "is_active",
        "password_hash",
        "password_changed_at",
        "failed_attempts",
        "locked_until",
    }
)


class AccountQueries:
    """Accounts: read, add, change, count sign-ins (mixed into Store)."""

    def user_record(self, username: str) -> dict | None:
        """One user's row with its password hash (sign-in only), or None."""
        return self._fetch_dict("SELECT * FROM users WHERE username = ?", [username])

    def users_frame(self) -> pd.DataFrame:
        """Every account, never the password hashes."""
        return self._df(f"SELECT {_USER_FIELDS} FROM users ORDER BY username")

    def insert_user(self, record: dict, audit: dict) -> None:
        """Add an account row and its audit entry in one transaction."""
        cols = list(record)
        with self.transaction() as cur:
            try:
                cur.execute(
                    f"INSERT INTO users ({', '.join(cols)}) "
                    f"VALUES ({', '.join('?' for _ in cols)})",
                    [record[c] for c in cols],
                )
            except duckdb.ConstraintException as exc:
                raise StoreError(f"user {record.get('username')} already exists") from exc
            self._audit(cur, **audit)

    def update_user(
        self, username: str, changes: dict, audit: dict, revoke_sessions: str | None = None
    ) -> None:
        """Change fields of one account and write its audit entry in one transaction.

        revoke_sessions: a reason; the account's open sign-in sessions end with the change.
        """
        bad = set(changes) - _USER_UPDATABLE
        if bad or not changes:
            raise ValueError(f"not updatable user fields: {sorted(bad) or 'none given'}")
        cols = sorted(changes)
        with self.transaction() as cur:
            found = _updated(
                cur,
                f"UPDATE users SET {', '.join(f'{c} = ?' for c in cols)} WHERE username = ?",
                [changes[c] for c in cols] + [username],
            )
            if not found:
                raise StoreError(f"no user {username}")
            if revoke_sessions:
                _revoke(cur, "username = ?", [username], audit.get("at"), revoke_sessions)
            self._audit(cur, **audit)

    def record_sign_in_success(
        self, username: str, origin: str | None, at: datetime, new_hash: str | None = None
    ) -> None:
        """Clear the failure count and lock (and store a rehashed password); audit sign_in."""
        with self.transaction() as cur:
            cur.execute(
                "UPDATE users SET failed_attempts = 0, locked_until = NULL, "
                "password_hash = coalesce(?, password_hash) WHERE username = ?",
                [new_hash, username],
            )
            self._audit(
                cur,
                username,
                "sign_in",
                target=username,
                detail={"rehashed": True} if new_hash else None,
                origin=origin,
                at=at,
            )

    def record_sign_in_failure(
        self,
        username: str,
        max_attempts: int,
        lock_until: datetime,
        origin: str | None,
        at: datetime,
    ) -> tuple[int, bool]:
        """Count one failed password; at max_attempts lock until lock_until and reset the count.

        Audits sign_in_failed (and locked). Returns (consecutive failures, locked now).
        """
        with self.transaction() as cur:
            cur.execute(
                "UPDATE users SET failed_attempts = failed_attempts + 1 WHERE username = ?",
                [username],
            )
            row = cur.execute(
                "SELECT failed_attempts FROM users WHERE username = ?", [username]
            ).fetchone()
            attempts = int(row[0]) if row else 0
            self._audit(
                cur,
                username,
                "sign_in_failed",
                target=username,
                detail={"reason": "bad_password", "attempt": attempts},
                origin=origin,
                at=at,
            )
            locked = row is not None and attempts >= max_attempts
            if locked:
                cur.execute(
                    "UPDATE users SET failed_attempts = 0, locked_until = ? WHERE username = ?",
                    [lock_until, username],
                )
                self._audit(
                    cur,
                    username,
                    "locked",
                    target=username,
                    detail={"attempts": attempts, "locked_until": lock_until},
                    origin=origin,
                    at=at,
                )
        return attempts, locked

    # -- sign-in sessions (lib.services.auth.sessions) ---------------------------
    def insert_session(self, record: dict) -> None:
        """Add a sign-in session row (hashes only)."""
        cols = list(record)
        with self.transaction() as cur:
            cur.execute(
                f"INSERT INTO sessions ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                [record[c] for c in cols],
            )

    def exchange_session_handoff(self, handoff_hash: str, token_hash: str, at: datetime):
        """Turn a live, unused hand-off into the session's token (once); its row or None."""
        with self.transaction() as cur:
            # Select, then update by id (writes are serialised: nobody changes it in between;
            # PostgreSQL tables take no RETURNING through DuckDB).
            live = cur.execute(
                "SELECT id FROM sessions WHERE handoff_hash = ? AND handoff_until > ? "
                "AND token_hash IS NULL AND revoked_at IS NULL",
                [handoff_hash, at],
            ).fetchone()
            if live is None:
                return None
            cur.execute(
                "UPDATE sessions SET token_hash = ?, handoff_hash = NULL, handoff_until = NULL "
                "WHERE id = ?",
                [token_hash, live[0]],
            )
            cur.execute("SELECT * FROM sessions WHERE id = ?", [live[0]])
            row = cur.fetchone()
            return (
                None
                if row is None
                else dict(zip([d[0] for d in cur.description], row, strict=True))
            )

    def session_by_token_hash(self, token_hash: str) -> dict | None:
        """The session whose token has this hash, or None."""
        return self._fetch_dict("SELECT * FROM sessions WHERE token_hash = ?", [token_hash])

    def touch_session(self, session_id: str, at: datetime, idle_until: datetime) -> None:
        """Record activity: the idle deadline slides forward."""
        with self.transaction() as cur:
            cur.execute(
                "UPDATE sessions SET last_seen_at = ?, idle_until = ? WHERE id = ?",
                [at, idle_until, session_id],
            )

    def revoke_session(self, session_id: str, at: datetime, reason: str, audit=None) -> int:
        """End one session (and audit it); the number of sessions ended (0 or 1)."""
        with self.transaction() as cur:
            n = _revoke(cur, "id = ?", [session_id], at, reason)
            if audit and n:
                self._audit(cur, **audit)
        return n

    def sessions_frame(self, username: str | None = None) -> pd.DataFrame:
        """Sessions (without their hashes), newest first; one account's when named."""
        where, params = ("WHERE username = ?", [username]) if username else ("", [])
        return self._df(
            "SELECT id, username, created_at, expires_at, last_seen_at, idle_until, "
            f"revoked_at, revoked_reason, origin FROM sessions {where} ORDER BY created_at DESC",
            params,
        )

    # -- display links (lib.services.auth.displays) ------------------------------
    def insert_display_link(self, record: dict, audit: dict) -> int:
        """Add a display link (its token's hash only) with its audit entry; its id."""
        cols = list(record)
        with self.transaction() as cur:
            new_id = self._next_id(cur, "display_link_seq")
            cur.execute(
                f"INSERT INTO display_links (id, {', '.join(cols)}) "
                f"VALUES (?, {', '.join('?' for _ in cols)})",
                [new_id, *(record[c] for c in cols)],
            )
            self._audit(cur, **{**audit, "target": f"display {new_id}"})
        return int(new_id)

    def display_link_by_hash(self, token_hash: str) -> dict | None:
        """The display link whose token has this hash, or None."""
        return self._fetch_dict("SELECT * FROM display_links WHERE token_hash = ?", [token_hash])

    def display_link(self, link_id: int) -> dict | None:
        """One display link by id, or None."""
        return self._fetch_dict("SELECT * FROM display_links WHERE id = ?", [link_id])

    def display_links_frame(self) -> pd.DataFrame:
        """Every display link without its hash, newest first."""
        return self._df(
            "SELECT id, label, scopes, created_by, created_at, last_used_at, revoked_at, "
            "revoked_by FROM display_links ORDER BY id DESC"
        )

    def revoke_display_link(self, link_id: int, by: str, at: datetime, audit: dict) -> bool:
        """Revoke a live display link with its audit entry; False when none was live."""
        with self.transaction() as cur:
            found = _updated(
                cur,
                "UPDATE display_links SET revoked_at = ?, revoked_by = ? "
                "WHERE id = ? AND revoked_at IS NULL",
                [at, by, link_id],
            )
            if found:
                self._audit(cur, **audit)
        return bool(found)

    def touch_display_link(self, link_id: int, at: datetime, audit: dict | None = None) -> None:
        """Record a use of a display link (with an audit entry when given)."""
        with self.transaction() as cur:
            cur.execute("UPDATE display_links SET last_used_at = ? WHERE id = ?", [at, link_id])
            if audit:
                self._audit(cur, **audit)


def _revoke(cur, where: str, params: list, at: datetime | None, reason: str) -> int:
    """End the open sessions matching `where`; how many."""
    return _updated(
        cur,
        "UPDATE sessions SET revoked_at = ?, revoked_reason = ?, handoff_hash = NULL "
        f"WHERE revoked_at IS NULL AND {where}",
        [at or datetime.now(), reason, *params],
    )


def _updated(cur, sql: str, params: list) -> int:
    """Run an UPDATE; the number of rows it changed (DuckDB returns the count as its one
    row, for a file's tables and a server's alike)."""
    row = cur.execute(sql, params).fetchone()
    return int(row[0]) if row else 0
