-- 0003: SBOMs of releases (every upload kept, with its original document)
-- and the components of each release's current SBOM.

CREATE TABLE sboms (
    id              INTEGER PRIMARY KEY,
    release_id      INTEGER NOT NULL REFERENCES releases (id),
    format          TEXT NOT NULL,
    spec_version    TEXT NOT NULL DEFAULT '',
    serial_number   TEXT NOT NULL DEFAULT '',
    file_name       TEXT NOT NULL DEFAULT '',
    sha256          TEXT NOT NULL,
    size            INTEGER NOT NULL,
    content         BLOB NOT NULL,
    document_created TEXT NOT NULL DEFAULT '',
    metadata        TEXT NOT NULL DEFAULT '',
    component_count INTEGER NOT NULL,
    quality_score   INTEGER NOT NULL,
    quality         TEXT NOT NULL,
    warnings        TEXT NOT NULL DEFAULT '',
    uploaded_by     TEXT NOT NULL,
    uploaded_at     TEXT NOT NULL,
    current         INTEGER NOT NULL DEFAULT 0 CHECK (current IN (0, 1))
);
CREATE INDEX sboms_release ON sboms (release_id, id);

CREATE TABLE sbom_dependencies (
    sbom_id    INTEGER NOT NULL REFERENCES sboms (id),
    ref        TEXT NOT NULL,
    depends_on TEXT NOT NULL
);
CREATE INDEX sbom_dependencies_sbom ON sbom_dependencies (sbom_id);

CREATE TABLE components (
    id             INTEGER PRIMARY KEY,
    release_id     INTEGER NOT NULL REFERENCES releases (id),
    sbom_id        INTEGER NOT NULL REFERENCES sboms (id),
    ref            TEXT NOT NULL,
    type           TEXT NOT NULL DEFAULT '',
    name           TEXT NOT NULL,
    grp            TEXT NOT NULL DEFAULT '',
    version        TEXT NOT NULL DEFAULT '',
    purl           TEXT NOT NULL DEFAULT '',
    purl_type      TEXT NOT NULL DEFAULT '',
    purl_namespace TEXT NOT NULL DEFAULT '',
    purl_name      TEXT NOT NULL DEFAULT '',
    raw_purl       TEXT NOT NULL DEFAULT '',
    purl_problem   TEXT NOT NULL DEFAULT '',
    cpe            TEXT NOT NULL DEFAULT '',
    supplier       TEXT NOT NULL DEFAULT '',
    author         TEXT NOT NULL DEFAULT '',
    hashes         TEXT NOT NULL DEFAULT '',
    licenses       TEXT NOT NULL DEFAULT '',
    scope          TEXT NOT NULL DEFAULT '',
    direct         INTEGER NOT NULL DEFAULT 0 CHECK (direct IN (0, 1)),
    parent         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX components_release ON components (release_id, name);
CREATE INDEX components_package ON components (purl_type, purl_namespace, purl_name);
