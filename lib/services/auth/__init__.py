"""Who may do what: accounts and sign-in, roles scoped to agency and area, account management.

`from lib.services import auth` then `auth.can(...)`, `auth.sign_in(...)`: this
package's names are one facade over three modules: `accounts` (User, argon2id
passwords, sign-in with lock-out), `permissions` (roles x actions,
AreaIndex, can / require / require_audited / audit_denied, pages per role) and `users` (add,
disable, change password); `sessions` (the sign-in cookie's token, hashed,
with expiry, idle timeout and revocation) and `displays` (display links for
wall screens) are used as modules (`from lib.services.auth import sessions`).
Pure policy and orchestration: no Streamlit, no SQL;
reads and writes go through `lib.store.Store`, whose write methods are
policy-free, so every function here that changes something checks the rules
first (`require`) and the callers in lib (upload, verify, undo, backup) do too.

Roles, as the command line spells them (บทบาท):

- ``public``: no sign-in; published items only (the public view).
- ``staff``: writes the items its agency owns, within its area.
- ``verifier``: verifies or rejects its agency's submitted values (and may
  upload like staff: a small office often has one person for both).
- ``executive``: reads everything, published or not, of every area (its own
  scope is its default view; comparing with peers needs the others); writes
  nothing.
- ``admin``: users, backups, the audit log, undo of any batch.

Scope: ``area_code`` None (or ``TH``) is the whole country; a province code is
that province and its districts; a district code that district; a cluster or
region code its member provinces (membership in force on the index date, from
``grouping_members``) and their districts.
"""

from lib.services.auth.accounts import (
    AUTH_MODE_ENV,
    LOCKOUT,
    MAX_FAILED_ATTEMPTS,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    SESSION_IDLE_TIMEOUT,
    USERNAME_PATTERN,
    PasswordPolicyError,
    SignInResult,
    User,
    check_password_policy,
    cli_operator,
    hash_password,
    load_user,
    needs_rehash,
    oidc_enabled,
    session_expired,
    sign_in,
    verify_password,
)
from lib.services.auth.permissions import (
    ACTIONS,
    ROLES,
    AreaIndex,
    Decision,
    PermissionDenied,
    audit_denied,
    can,
    load_area_index,
    require,
    require_audited,
)
from lib.services.auth.users import (
    UserInputError,
    add_user,
    change_password,
    disable_user,
    users_frame,
    validate_user_fields,
)

__all__ = [
    "ACTIONS",
    "AUTH_MODE_ENV",
    "LOCKOUT",
    "MAX_FAILED_ATTEMPTS",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "SESSION_IDLE_TIMEOUT",
    "USERNAME_PATTERN",
    "AreaIndex",
    "Decision",
    "PasswordPolicyError",
    "PermissionDenied",
    "SignInResult",
    "User",
    "UserInputError",
    "add_user",
    "audit_denied",
    "can",
    "change_password",
    "check_password_policy",
    "cli_operator",
    "disable_user",
    "hash_password",
    "load_area_index",
    "load_user",
    "needs_rehash",
    "oidc_enabled",
    "require",
    "require_audited",
    "session_expired",
    "sign_in",
    "users_frame",
    "validate_user_fields",
    "verify_password",
]
