package cra

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ReleaseStatus is where a release is in its life.
type ReleaseStatus string

// Release states.
const (
	ReleasePlanned   ReleaseStatus = "planned"
	ReleaseReleased  ReleaseStatus = "released"
	ReleaseWithdrawn ReleaseStatus = "withdrawn"
)

// ReleaseStatuses lists the states in order.
var ReleaseStatuses = []ReleaseStatus{ReleasePlanned, ReleaseReleased, ReleaseWithdrawn}

// Release is a version of a product (Art. 3(30), 13(10), 13(15)).
type Release struct {
	ID          int64
	ProductID   int64
	ProductName string // filled in by listings
	Version     string
	ReleaseDate Date
	// PlacedOnMarket is the day this version was first made available on
	// the Union market; zero while it is not.
	PlacedOnMarket Date
	// SubstantialModification marks a version that changed the product in a
	// way that affects compliance (Art. 3(30)), with the reason.
	SubstantialModification bool
	ModificationReason      string
	// SecurityUpdate marks a release that fixes vulnerabilities; it must
	// stay available per Art. 13(9).
	SecurityUpdate bool
	// SupportEnd is the last month of the support period (Art. 13(8),
	// 13(19)).
	SupportEnd YearMonth
	// ShortSupportJustification explains a support period under five
	// years (expected use time shorter than that, Art. 13(8)).
	ShortSupportJustification string
	Status                    ReleaseStatus
	// Components are releases of other products this release contains.
	Components []ReleaseRef
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ReleaseRef names a release of a product.
type ReleaseRef struct {
	ReleaseID   int64
	ProductID   int64
	ProductName string
	Version     string
}

// OnMarket reports whether the release is on the market at time now.
func (r *Release) OnMarket(now time.Time) bool {
	return r.Status != ReleaseWithdrawn && !r.PlacedOnMarket.IsZero() && !r.PlacedOnMarket.After(now)
}

// Supported reports whether now falls within the support period.
func (r *Release) Supported(now time.Time) bool {
	return !r.SupportEnd.IsZero() && !now.After(r.SupportEnd.LastDay())
}

// UpdateRetention is how long a security update must stay available
// (zero for other releases).
func (r *Release) UpdateRetention() time.Time {
	if !r.SecurityUpdate || r.ReleaseDate.IsZero() {
		return time.Time{}
	}
	return SecurityUpdateRetention(r.ReleaseDate, r.SupportEnd)
}

// ReleaseFilter selects releases.
type ReleaseFilter struct {
	ID        *int64
	ProductID *int64
	Version   *string
}

// Validate normalises r and returns EINVALID naming each bad field: dates
// in order, a support period of at least five years unless justified, and
// a reason for a substantial modification.
func (r *Release) Validate() error {
	r.Version = strings.TrimSpace(r.Version)
	r.ModificationReason = strings.TrimSpace(r.ModificationReason)
	r.ShortSupportJustification = strings.TrimSpace(r.ShortSupportJustification)
	if r.Status == "" {
		r.Status = ReleaseReleased
	}
	f := map[string]string{}
	switch {
	case r.Version == "":
		f["version"] = "Version is required."
	case utf8.RuneCountInString(r.Version) > 100:
		f["version"] = "Version must be at most 100 characters."
	}
	if !slices.Contains(ReleaseStatuses, r.Status) {
		f["status"] = "Choose planned, released or withdrawn."
	}
	if r.ReleaseDate.IsZero() && r.Status != ReleasePlanned {
		f["release_date"] = "Release date is required (YYYY-MM-DD)."
	}
	if !r.PlacedOnMarket.IsZero() {
		if !r.ReleaseDate.IsZero() && r.PlacedOnMarket.Before(r.ReleaseDate.Time) {
			f["placed_on_market"] = "A version cannot be placed on the market before its release date (" + r.ReleaseDate.String() + ")."
		}
		if r.Status == ReleasePlanned {
			f["status"] = "A version placed on the market is not planned; choose released or withdrawn."
		}
	}
	if r.SupportEnd.IsZero() {
		if !r.PlacedOnMarket.IsZero() {
			f["support_end"] = "The end of the support period (YYYY-MM) is required once a version is on the market (Art. 13(19))."
		}
	} else {
		start := r.PlacedOnMarket
		if start.IsZero() {
			start = r.ReleaseDate
		}
		if !start.IsZero() {
			if msg := CheckSupportPeriod(start, r.SupportEnd, r.ShortSupportJustification); msg != "" {
				f["support_end"] = msg
			}
		}
	}
	if r.SubstantialModification && r.ModificationReason == "" {
		f["modification_reason"] = "Say what changed that affects compliance (Art. 3(30))."
	}
	if utf8.RuneCountInString(r.ModificationReason) > maxLongText {
		f["modification_reason"] = "Must be at most 20000 characters."
	}
	if utf8.RuneCountInString(r.ShortSupportJustification) > maxLongText {
		f["short_support_justification"] = "Must be at most 20000 characters."
	}
	return Invalid(f)
}
