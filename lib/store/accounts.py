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

    def update_user(self, username: str, changes: dict, audit: dict) -> None:
        """Change fields of one account and write its audit entry in one transaction."""
        bad = set(changes) - _USER_UPDATABLE
        if bad or not changes:
            raise ValueError(f"not updatable user fields: {sorted(bad) or 'none given'}")
        cols = sorted(changes)
        with self.transaction() as cur:
            found = cur.execute(
                f"UPDATE users SET {', '.join(f'{c} = ?' for c in cols)} "
                "WHERE username = ? RETURNING username",
                [changes[c] for c in cols] + [username],
            ).fetchall()
            if not found:
                raise StoreError(f"no user {username}")
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
            row = cur.execute(
                "UPDATE users SET failed_attempts = failed_attempts + 1 "
                "WHERE username = ? RETURNING failed_attempts",
                [username],
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
