-- 0005: findings (a vulnerability identity affecting a package of a
-- release), the append-only history of triage decisions, and the daily
-- exposure trend. Components and affected packages get the match key that
-- matching looks them up by (matching.IndexKey: base ecosystem and
-- normalised name, "PyPI/jinja2"). Match keys are computed in Go: NULL
-- means not computed yet (rows written before this migration; Migrate
-- fills them in), '' that the row cannot be matched (no purl, or a purl
-- no OSV ecosystem covers). Times are TEXT as in 0001; calendar dates
-- TEXT 'YYYY-MM-DD'; booleans INTEGER 0/1.

-- match_key_alt is the second name a Red Hat binary RPM is looked up by.
ALTER TABLE components ADD COLUMN match_key TEXT;
ALTER TABLE components ADD COLUMN match_key_alt TEXT;
CREATE INDEX components_match_key ON components (match_key);
CREATE INDEX components_match_key_alt ON components (match_key_alt);

ALTER TABLE advisory_affected ADD COLUMN match_key TEXT;
CREATE INDEX advisory_affected_match_key ON advisory_affected (match_key);

-- Every triage decision ever recorded. release_id is 0 for a decision of
-- scope product, which applies to every release of the product that has
-- no release-scoped decision of its own. vuln_id has no foreign key:
-- identities merge, and the importer re-points the survivors' rows.
CREATE TABLE triage_decisions (
    id             INTEGER PRIMARY KEY,
    product_id     INTEGER NOT NULL REFERENCES products (id),
    release_id     INTEGER NOT NULL DEFAULT 0,
    package        TEXT NOT NULL,
    vuln_id        INTEGER NOT NULL,
    scope          TEXT NOT NULL CHECK (scope IN ('release', 'product')),
    status         TEXT NOT NULL,
    justification  TEXT NOT NULL DEFAULT '',
    impact         TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL DEFAULT '',
    responses_json TEXT NOT NULL DEFAULT '',
    comment        TEXT NOT NULL DEFAULT '',
    by_email       TEXT NOT NULL,
    at             TEXT NOT NULL,
    CHECK ((scope = 'release') = (release_id <> 0))
);
CREATE INDEX triage_decisions_release ON triage_decisions (release_id, package, vuln_id, id);
CREATE INDEX triage_decisions_product ON triage_decisions (product_id, package, vuln_id, id);
CREATE INDEX triage_decisions_vuln ON triage_decisions (vuln_id);

-- One row per (release, package, identity); package is the purl without
-- version. The facts of the identity (key, aliases, severity, KEV, EPSS)
-- are copied in so that the list filters and sorts on indexed columns;
-- kev and exploited (KEV or EUVD) are flags for the same reason. status
-- and triage_id are the decision in force, kept by every write of
-- findings or decisions. resolved_at is NULL while the finding is open.
-- match_digest and facts_digest hash what a match and the facts wrote,
-- so that a re-match that changes nothing only moves last_seen.
CREATE TABLE findings (
    id              INTEGER PRIMARY KEY,
    product_id      INTEGER NOT NULL REFERENCES products (id),
    release_id      INTEGER NOT NULL REFERENCES releases (id),
    package         TEXT NOT NULL,
    vuln_id         INTEGER NOT NULL,
    purl            TEXT NOT NULL DEFAULT '',
    component       TEXT NOT NULL DEFAULT '',
    version         TEXT NOT NULL DEFAULT '',
    match_key       TEXT NOT NULL DEFAULT '',
    advisories_json TEXT NOT NULL DEFAULT '',
    fixed_json      TEXT NOT NULL DEFAULT '',
    fix             TEXT NOT NULL DEFAULT '',
    uncertain       INTEGER NOT NULL DEFAULT 0 CHECK (uncertain IN (0, 1)),
    direct          INTEGER NOT NULL DEFAULT 0 CHECK (direct IN (0, 1)),
    path_json       TEXT NOT NULL DEFAULT '',
    vuln_key        TEXT NOT NULL DEFAULT '',
    aliases_json    TEXT NOT NULL DEFAULT '',
    summary         TEXT NOT NULL DEFAULT '',
    score           REAL NOT NULL DEFAULT 0,
    rating          TEXT NOT NULL DEFAULT '',
    severity_rank   INTEGER NOT NULL DEFAULT 0,
    kev_added       TEXT,
    exploited_since TEXT,
    kev             INTEGER NOT NULL DEFAULT 0 CHECK (kev IN (0, 1)),
    exploited       INTEGER NOT NULL DEFAULT 0 CHECK (exploited IN (0, 1)),
    epss            REAL NOT NULL DEFAULT 0,
    epss_percentile REAL NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'untriaged',
    triage_id       INTEGER REFERENCES triage_decisions (id),
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    resolved_at     TEXT,
    match_digest    TEXT NOT NULL DEFAULT '',
    facts_digest    TEXT NOT NULL DEFAULT '',
    UNIQUE (release_id, package, vuln_id)
);
-- findings_release carries what the exposure counts read, so that they
-- scan only the index.
CREATE INDEX findings_release ON findings (release_id, resolved_at, status, severity_rank, kev, exploited);
CREATE INDEX findings_product ON findings (product_id, resolved_at);
CREATE INDEX findings_vuln ON findings (vuln_id);
CREATE INDEX findings_match_key ON findings (match_key);
-- The list's default order (risk) and the severity order over open
-- findings, so that the first page of millions is an index scan, also
-- within a release or a product (a plan that walks the global order and
-- filters can read most of it).
CREATE INDEX findings_open_risk ON findings (kev DESC, exploited DESC, epss DESC, score DESC, id) WHERE resolved_at IS NULL;
CREATE INDEX findings_open_release ON findings (release_id, kev DESC, exploited DESC, epss DESC, score DESC, id) WHERE resolved_at IS NULL;
CREATE INDEX findings_open_product ON findings (product_id, kev DESC, exploited DESC, epss DESC, score DESC, id) WHERE resolved_at IS NULL;
CREATE INDEX findings_open_severity ON findings (severity_rank DESC, score DESC, id) WHERE resolved_at IS NULL;
CREATE INDEX findings_open_status ON findings (status) WHERE resolved_at IS NULL;

-- The portfolio's actionable findings per day, for the dashboard's trend.
CREATE TABLE exposure_history (
    day       TEXT PRIMARY KEY,
    critical  INTEGER NOT NULL,
    high      INTEGER NOT NULL,
    medium    INTEGER NOT NULL,
    low       INTEGER NOT NULL,
    none      INTEGER NOT NULL,
    kev       INTEGER NOT NULL,
    exploited INTEGER NOT NULL
);
