package sqlstore

import "strconv"

// itoa formats an id for the audit log's object_id column.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
