-- 0004: vulnerability intelligence. Advisories (OSV, NVD, EUVD records,
-- kept as published) are merged through their aliases into vulnerability
-- identities; KEV entries and EPSS scores attach to CVE ids; feed_state
-- holds each feed's outcome, cursor and lease. Lists and structured fields
-- are JSON TEXT ('' when empty); times are TEXT as in 0001; calendar dates
-- TEXT 'YYYY-MM-DD'.

-- One row per identity. Ids of vulnerabilities and advisories are assigned
-- by the importer (which holds the write lock) so that a whole import can
-- be written in multi-row INSERTs. sort_at is the newest published or
-- modified time of its advisories ('0001-01-01…' when none), kept by the
-- importer for the search order.
CREATE TABLE vulnerabilities (
    id         INTEGER PRIMARY KEY,
    vuln_key   TEXT NOT NULL,
    sort_at    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX vulnerabilities_order ON vulnerabilities (sort_at DESC, vuln_key);

-- Every id (CVE, GHSA, EUVD, GO, …) names exactly one identity.
CREATE TABLE vuln_aliases (
    alias   TEXT PRIMARY KEY,
    vuln_id INTEGER NOT NULL REFERENCES vulnerabilities (id)
) WITHOUT ROWID;
CREATE INDEX vuln_aliases_vuln ON vuln_aliases (vuln_id);

CREATE TABLE advisories (
    id              INTEGER PRIMARY KEY,
    source          TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    vuln_id         INTEGER NOT NULL REFERENCES vulnerabilities (id),
    summary         TEXT NOT NULL DEFAULT '',
    details         TEXT NOT NULL DEFAULT '',
    published       TEXT,
    modified        TEXT,
    withdrawn       TEXT,
    exploited_since TEXT,
    epss            REAL,
    severity_json   TEXT NOT NULL DEFAULT '',
    cwes_json       TEXT NOT NULL DEFAULT '',
    references_json TEXT NOT NULL DEFAULT '',
    aliases_json    TEXT NOT NULL DEFAULT '',
    related_json    TEXT NOT NULL DEFAULT '',
    cpes_json       TEXT NOT NULL DEFAULT '',
    raw             BLOB NOT NULL,
    digest          TEXT NOT NULL,
    imported_at     TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (source, source_id)
);
CREATE INDEX advisories_vuln ON advisories (vuln_id);

-- The affected packages of an advisory, ranges and versions exactly as
-- published (JSON of cra.Range / []string). eco_key is the lower-cased
-- ecosystem without its ":suffix" ("debian" for "Debian:12"), name_key the
-- lower-cased name: the case-insensitive search keys.
CREATE TABLE advisory_affected (
    id            INTEGER PRIMARY KEY,
    advisory_id   INTEGER NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    vuln_id       INTEGER NOT NULL,
    ecosystem     TEXT NOT NULL,
    name          TEXT NOT NULL,
    eco_key       TEXT NOT NULL,
    name_key      TEXT NOT NULL,
    purl          TEXT NOT NULL DEFAULT '',
    ranges_json   TEXT NOT NULL DEFAULT '',
    versions_json TEXT NOT NULL DEFAULT '',
    symbols_json  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX advisory_affected_advisory ON advisory_affected (advisory_id);
CREATE INDEX advisory_affected_vuln ON advisory_affected (vuln_id);
CREATE INDEX advisory_affected_package ON advisory_affected (ecosystem, name);
CREATE INDEX advisory_affected_name_key ON advisory_affected (name_key, eco_key);
CREATE INDEX advisory_affected_eco_key ON advisory_affected (eco_key);

-- Every KEV entry ever seen; removed_at is set while a catalog no longer
-- lists it. digest covers the published fields, for change detection.
CREATE TABLE kev_entries (
    cve               TEXT PRIMARY KEY,
    vendor_project    TEXT NOT NULL DEFAULT '',
    product           TEXT NOT NULL DEFAULT '',
    name              TEXT NOT NULL DEFAULT '',
    date_added        TEXT NOT NULL DEFAULT '',
    due_date          TEXT NOT NULL DEFAULT '',
    ransomware_use    TEXT NOT NULL DEFAULT '',
    required_action   TEXT NOT NULL DEFAULT '',
    short_description TEXT NOT NULL DEFAULT '',
    notes             TEXT NOT NULL DEFAULT '',
    cwes_json         TEXT NOT NULL DEFAULT '',
    first_seen        TEXT NOT NULL,
    removed_at        TEXT,
    digest            TEXT NOT NULL,
    catalog_version   TEXT NOT NULL DEFAULT '',
    updated_at        TEXT NOT NULL
);

CREATE TABLE kev_history (
    id              INTEGER PRIMARY KEY,
    cve             TEXT NOT NULL,
    at              TEXT NOT NULL,
    change          TEXT NOT NULL CHECK (change IN ('added', 'changed', 'removed', 'relisted')),
    catalog_version TEXT NOT NULL DEFAULT '',
    date_added      TEXT NOT NULL DEFAULT '',
    due_date        TEXT NOT NULL DEFAULT '',
    ransomware      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX kev_history_cve ON kev_history (cve, id);

CREATE TABLE epss_scores (
    cve        TEXT NOT NULL,
    score_date TEXT NOT NULL,
    score      REAL NOT NULL,
    percentile REAL NOT NULL,
    PRIMARY KEY (cve, score_date)
) WITHOUT ROWID;

CREATE TABLE feed_state (
    feed            TEXT PRIMARY KEY,
    last_start      TEXT,
    last_success    TEXT,
    last_error      TEXT NOT NULL DEFAULT '',
    last_error_at   TEXT,
    last_stats_json TEXT NOT NULL DEFAULT '',
    cursor          TEXT NOT NULL DEFAULT '',
    lease_holder    TEXT,
    lease_until     TEXT
);
