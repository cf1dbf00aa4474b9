-- 0007: each component's dependency path within its SBOM, computed once at
-- upload (JSON list of component names, outermost first; '[]' when the
-- subject depends on it directly, '' when the graph does not reach it),
-- so that matching never loads the graph. NULL for components stored
-- before: the matcher then reads the graph.
ALTER TABLE components ADD COLUMN dep_path TEXT;
