-- 0002: products, releases and their composition, the Annex I requirement
-- matrix with evidence, and versioned risk assessments. Calendar dates are
-- TEXT 'YYYY-MM-DD' and months 'YYYY-MM' in both dialects; booleans are
-- INTEGER 0/1 in both.

CREATE TABLE products (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL UNIQUE,
    model                 TEXT NOT NULL DEFAULT '',
    sku                   TEXT NOT NULL DEFAULT '',
    description           TEXT NOT NULL DEFAULT '',
    intended_purpose      TEXT NOT NULL DEFAULT '',
    foreseeable_use       TEXT NOT NULL DEFAULT '',
    foreseeable_misuse    TEXT NOT NULL DEFAULT '',
    operating_environment TEXT NOT NULL DEFAULT '',
    rdp                   INTEGER NOT NULL DEFAULT 0 CHECK (rdp IN (0, 1)),
    rdp_description       TEXT NOT NULL DEFAULT '',
    operator_role         TEXT NOT NULL,
    licensing             TEXT NOT NULL,
    member_states         TEXT NOT NULL DEFAULT '',
    team                  TEXT NOT NULL DEFAULT '',
    lifecycle             TEXT NOT NULL,
    scope                 TEXT NOT NULL DEFAULT '',
    category              TEXT,
    classification        TEXT NOT NULL DEFAULT '',
    review_reason         TEXT NOT NULL DEFAULT '',
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);

CREATE TABLE releases (
    id                          INTEGER PRIMARY KEY,
    product_id                  INTEGER NOT NULL REFERENCES products (id),
    version                     TEXT NOT NULL,
    release_date                TEXT NOT NULL DEFAULT '',
    placed_on_market            TEXT NOT NULL DEFAULT '',
    substantial_modification    INTEGER NOT NULL DEFAULT 0 CHECK (substantial_modification IN (0, 1)),
    modification_reason         TEXT NOT NULL DEFAULT '',
    security_update             INTEGER NOT NULL DEFAULT 0 CHECK (security_update IN (0, 1)),
    support_end                 TEXT NOT NULL DEFAULT '',
    short_support_justification TEXT NOT NULL DEFAULT '',
    status                      TEXT NOT NULL,
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL,
    UNIQUE (product_id, version)
);

-- A release can contain releases of other products; one child may belong
-- to many parents.
CREATE TABLE release_components (
    parent_id INTEGER NOT NULL REFERENCES releases (id),
    child_id  INTEGER NOT NULL REFERENCES releases (id),
    PRIMARY KEY (parent_id, child_id),
    CHECK (parent_id <> child_id)
);
CREATE INDEX release_components_child ON release_components (child_id);

-- One row per product and Annex I requirement (release_id NULL), and per
-- release where the release overrides the product's row.
CREATE TABLE requirement_states (
    id              INTEGER PRIMARY KEY,
    product_id      INTEGER NOT NULL REFERENCES products (id),
    release_id      INTEGER REFERENCES releases (id),
    requirement_id  TEXT NOT NULL,
    status          TEXT NOT NULL,
    justification   TEXT NOT NULL DEFAULT '',
    how_met         TEXT NOT NULL DEFAULT '',
    test_refs       TEXT NOT NULL DEFAULT '',
    standard_clause TEXT NOT NULL DEFAULT '',
    updated_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX requirement_states_product ON requirement_states (product_id, requirement_id) WHERE release_id IS NULL;
CREATE UNIQUE INDEX requirement_states_release ON requirement_states (release_id, requirement_id) WHERE release_id IS NOT NULL;

-- Uploaded evidence, stored once per content hash.
CREATE TABLE evidence_files (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    data       BLOB NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE evidence (
    id             INTEGER PRIMARY KEY,
    product_id     INTEGER NOT NULL REFERENCES products (id),
    release_id     INTEGER REFERENCES releases (id),
    requirement_id TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('link', 'file')),
    url            TEXT NOT NULL DEFAULT '',
    file_name      TEXT NOT NULL DEFAULT '',
    content_type   TEXT NOT NULL DEFAULT '',
    size           INTEGER NOT NULL DEFAULT 0,
    sha256         TEXT REFERENCES evidence_files (sha256),
    note           TEXT NOT NULL DEFAULT '',
    added_by       TEXT NOT NULL,
    added_at       TEXT NOT NULL
);
CREATE INDEX evidence_product ON evidence (product_id, requirement_id);

CREATE TABLE risk_assessments (
    id          INTEGER PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products (id),
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL,
    reviewed_on TEXT NOT NULL,
    review_due  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (product_id, version)
);
