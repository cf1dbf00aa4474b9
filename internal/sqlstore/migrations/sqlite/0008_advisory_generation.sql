-- 0008: a counter every import that writes advisories increments in its
-- transaction. Matchers read it before each match, so that a process
-- whose cache of compiled advisories predates an import by another
-- process (the CLI, a replica) notices it.
CREATE TABLE advisory_generation (
    n INTEGER NOT NULL
);
INSERT INTO advisory_generation (n) VALUES (0);
