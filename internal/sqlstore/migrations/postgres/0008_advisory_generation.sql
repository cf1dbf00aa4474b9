-- 0008: the newest advisory change, read before every match so that a
-- process whose cache predates an import by another process (the CLI, a
-- replica) notices it.
CREATE INDEX advisories_updated ON advisories (updated_at);
