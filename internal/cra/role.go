package cra

import (
	"slices"
)

// Role is what a user or an API token may do. Roles are sets of
// permissions; see RolePermissions.
type Role string

// The four roles of cyra.
const (
	RoleAdmin           Role = "admin"            // users, settings, and everything else
	RoleSecurityOfficer Role = "security-officer" // everything on products, including Art. 14 submissions
	RoleMember          Role = "member"           // products, SBOM upload, triage; no submissions
	RoleAuditor         Role = "auditor"          // read-only, including the audit log
)

// Roles lists every role, most privileged first.
var Roles = []Role{RoleAdmin, RoleSecurityOfficer, RoleMember, RoleAuditor}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Label is the role's human name.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "Administrator"
	case RoleSecurityOfficer:
		return "Security officer"
	case RoleMember:
		return "Member"
	case RoleAuditor:
		return "Auditor"
	}
	return string(r)
}

// ParseRole parses a role name, accepting the documented spelling only.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", Errorf(EINVALID, "Unknown role %q; use one of admin, security-officer, member, auditor.", s)
	}
	return r, nil
}

// Permission names one kind of action. Authorization in the service layer
// checks permissions, never role names, so that roles stay data.
type Permission string

// Permissions known to cyra.
const (
	PermOrgRead       Permission = "organisation:read"
	PermOrgWrite      Permission = "organisation:write"
	PermUsersRead     Permission = "users:read"
	PermUsersWrite    Permission = "users:write"
	PermTokensOwn     Permission = "tokens:own"     // create, list, revoke one's own tokens
	PermTokensService Permission = "tokens:service" // manage tokens of service accounts and other users
	PermAuditRead     Permission = "audit:read"
	PermProductsRead  Permission = "products:read"
	PermProductsWrite Permission = "products:write"
	PermTriage        Permission = "findings:triage"
	PermReportsSubmit Permission = "reports:submit"
	PermSettingsWrite Permission = "settings:write"
	PermFeedsWrite    Permission = "feeds:write" // sync feeds, import advisory data and bundles
)

// RolePermissions is the authorization matrix. Admin holds every
// permission. The security officer owns the products and their reporting,
// and can read the team and the audit log that evidences its work. A member works on products
// but cannot submit Art. 14 reports. The auditor reads everything, changes
// nothing.
var RolePermissions = map[Role][]Permission{
	RoleAdmin: {
		PermOrgRead, PermOrgWrite, PermUsersRead, PermUsersWrite, PermTokensOwn, PermTokensService,
		PermAuditRead, PermProductsRead, PermProductsWrite, PermTriage, PermReportsSubmit, PermSettingsWrite, PermFeedsWrite,
	},
	RoleSecurityOfficer: {
		PermOrgRead, PermUsersRead, PermTokensOwn, PermAuditRead, PermProductsRead, PermProductsWrite, PermTriage, PermReportsSubmit, PermFeedsWrite,
	},
	RoleMember: {
		PermOrgRead, PermTokensOwn, PermProductsRead, PermProductsWrite, PermTriage,
	},
	RoleAuditor: {
		PermOrgRead, PermUsersRead, PermTokensOwn, PermAuditRead, PermProductsRead,
	},
}

// Can reports whether role r holds permission p.
func (r Role) Can(p Permission) bool {
	return slices.Contains(RolePermissions[r], p)
}

// Within reports whether every permission of r is also held by other. A
// token's role must be within its creator's role: "no higher" is a subset
// test because the roles are not a chain (an auditor may read the audit log,
// a member may not).
func (r Role) Within(other Role) bool {
	if !r.Valid() || !other.Valid() {
		return false
	}
	for _, p := range RolePermissions[r] {
		if !other.Can(p) {
			return false
		}
	}
	return true
}
