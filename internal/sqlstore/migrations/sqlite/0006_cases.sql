-- 0006: Art. 14 reporting. Reportability reviews opened by exploitation
-- signals, cases with their stages, the frozen revisions of submitted
-- stages and the SRP's receipts (both append-only: the database refuses
-- changes), user notices, the reporting profile and the reminders sent.
-- Times are TEXT as in 0001; booleans INTEGER 0/1; lists and the stages
-- of a case JSON text ('' for an empty list).

-- One review per (release, vulnerability identity) ever. finding_id and
-- vuln_id have no foreign key: findings are deleted and identities merged
-- when advisories are re-imported. case_id is 0 until an open_case
-- decision opens a case.
CREATE TABLE reviews (
    id              INTEGER PRIMARY KEY,
    product_id      INTEGER NOT NULL REFERENCES products (id),
    release_id      INTEGER NOT NULL REFERENCES releases (id),
    finding_id      INTEGER NOT NULL DEFAULT 0,
    vuln_id         INTEGER NOT NULL,
    vuln_key        TEXT NOT NULL DEFAULT '',
    signal          TEXT NOT NULL,
    signal_at       TEXT NOT NULL,
    opened_at       TEXT NOT NULL,
    decision        TEXT NOT NULL DEFAULT '' CHECK (decision IN ('', 'open_case', 'not_reportable')),
    decision_reason TEXT NOT NULL DEFAULT '',
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      TEXT,
    case_id         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (release_id, vuln_id)
);
CREATE INDEX reviews_product ON reviews (product_id, id);
CREATE INDEX reviews_open ON reviews (id) WHERE decision = '';

-- A case keeps its stages (drafts and submitted reports) as one JSON
-- document: they are read and written with the case. final_submitted
-- mirrors "the final report was submitted" so that the open-case filter
-- is SQL. review_id is 0 for a case opened by hand; a review opens at
-- most one case.
CREATE TABLE cases (
    id                     INTEGER PRIMARY KEY,
    kind                   TEXT NOT NULL CHECK (kind IN ('aev', 'si')),
    product_id             INTEGER NOT NULL REFERENCES products (id),
    title                  TEXT NOT NULL,
    awareness_at           TEXT NOT NULL,
    member_states_json     TEXT NOT NULL DEFAULT '',
    release_ids_json       TEXT NOT NULL DEFAULT '',
    awareness_changes_json TEXT NOT NULL DEFAULT '',
    fix_available_at       TEXT,
    vuln_id                INTEGER NOT NULL DEFAULT 0,
    vuln_key               TEXT NOT NULL DEFAULT '',
    review_id              INTEGER NOT NULL DEFAULT 0,
    stages_json            TEXT NOT NULL DEFAULT '',
    final_submitted        INTEGER NOT NULL DEFAULT 0 CHECK (final_submitted IN (0, 1)),
    created_by             TEXT NOT NULL DEFAULT '',
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    closed_at              TEXT,
    closed_by              TEXT NOT NULL DEFAULT '',
    closed_reason          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cases_product ON cases (product_id, id);
CREATE INDEX cases_open ON cases (id) WHERE closed_at IS NULL AND final_submitted = 0;
CREATE UNIQUE INDEX cases_review ON cases (review_id) WHERE review_id <> 0;

-- The frozen content of each submitted stage (seq numbers intermediate
-- reports, 0 for the other stages): revision is the SHA-256 of content.
CREATE TABLE stage_revisions (
    case_id        INTEGER NOT NULL REFERENCES cases (id),
    stage          TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    revision       TEXT NOT NULL,
    content        BLOB NOT NULL,
    submitted_at   TEXT NOT NULL,
    submitted_by   TEXT NOT NULL DEFAULT '',
    srp_id         TEXT NOT NULL DEFAULT '',
    receipt_sha256 TEXT NOT NULL DEFAULT '',
    recorded_at    TEXT NOT NULL,
    PRIMARY KEY (case_id, stage, seq)
);
CREATE TRIGGER stage_revisions_no_update BEFORE UPDATE ON stage_revisions
BEGIN
    SELECT RAISE(ABORT, 'stage_revisions is append-only');
END;
CREATE TRIGGER stage_revisions_no_delete BEFORE DELETE ON stage_revisions
BEGIN
    SELECT RAISE(ABORT, 'stage_revisions is append-only');
END;

-- The SRP's receipts of submitted stages, once per content (SHA-256 in
-- hexadecimal), kept as evidence.
CREATE TABLE receipts (
    sha256       TEXT PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    name         TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL,
    content      BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL DEFAULT '',
    uploaded_at  TEXT NOT NULL
);
CREATE INDEX receipts_case ON receipts (case_id);
CREATE TRIGGER receipts_no_update BEFORE UPDATE ON receipts
BEGIN
    SELECT RAISE(ABORT, 'receipts are append-only');
END;
CREATE TRIGGER receipts_no_delete BEFORE DELETE ON receipts
BEGIN
    SELECT RAISE(ABORT, 'receipts are append-only');
END;

-- The notice to impacted users of a case (Art. 14(8)): one per case.
CREATE TABLE user_notices (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL UNIQUE REFERENCES cases (id),
    subject    TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    sent_at    TEXT,
    sent_by    TEXT NOT NULL DEFAULT '',
    channel    TEXT NOT NULL DEFAULT ''
);

-- What the organisation states for Art. 14 reporting: its size and the
-- facts that decide the coordinating CSIRT (JSON). A single row.
CREATE TABLE reporting_profile (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    size         TEXT NOT NULL DEFAULT '',
    routing_json TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL
);

-- Reminders already sent, by key, so that each is sent once.
CREATE TABLE reminders_sent (
    key     TEXT PRIMARY KEY,
    sent_at TEXT NOT NULL
);
