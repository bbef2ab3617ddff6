"""Services: what a user does with the store, each rule once, for every front end.

`upload` (read, validate, preview, the rule of what a file with problems may
commit, commit, verify, undo on behalf of an account), `catalogue` (which items
and KPIs an account may read), `auth` (accounts, sign-in, roles x actions and
their scopes, account management), `backup` (backups, restore, and backups
through the running app's worker), `bootstrap` (create or migrate a store and
load reference, catalogue and demo data), `demo` (the seeded demo data),
`layouts` (agencies' saved file layouts), `config/` (the configuration
workbook), `provenance` (every version of a value, what changed between two
days), `quality` (outliers, validation rules between items, the follow-up
of flagged values) and `narratives` (what a KPI owner writes on the KPI form per
round: who may write, every version kept). Reports (documents, PDF/XLSX, email)
are lib.reports, one layer up.
Pages (lib.ui) and the command line (lib.cli) call these and show the result;
no Streamlit here and no SQL (that is lib.store).
"""
