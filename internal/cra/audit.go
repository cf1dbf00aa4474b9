package cra

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// AuditGenesisHash is the PrevHash of the first audit entry.
var AuditGenesisHash = strings.Repeat("0", 64)

// AuditTimeFormat is how audit times are written into the hash: UTC,
// microsecond precision (what both databases keep), fixed width.
const AuditTimeFormat = "2006-01-02T15:04:05.000000Z"

// AuditRecord is what a state change says about itself. The store appends
// it to the log in the same transaction as the change.
type AuditRecord struct {
	At         time.Time
	ActorID    int64 // 0 when the actor is not a user
	Actor      string
	Action     string // dotted verb, e.g. "user.create"
	ObjectType string
	ObjectID   string
	// Before and After summarise the object around the change. Secrets are
	// never included.
	Before map[string]any
	After  map[string]any
}

// AuditEntry is one appended, hash-chained audit record.
type AuditEntry struct {
	Seq        int64
	At         time.Time
	ActorID    int64
	Actor      string
	Action     string
	ObjectType string
	ObjectID   string
	Before     string // canonical JSON or ""
	After      string // canonical JSON or ""
	PrevHash   string
	Hash       string
}

// NewAuditRecord returns the audit record of an action on an object by
// actor a (nil for an anonymous actor).
func NewAuditRecord(a *Actor, at time.Time, action, objectType, objectID string, before, after map[string]any) AuditRecord {
	r := AuditRecord{At: at, Actor: a.Label(), Action: action, ObjectType: objectType, ObjectID: objectID, Before: before, After: after}
	if a != nil {
		r.ActorID = a.UserID
	}
	return r
}

// Entry turns a record into the entry that follows prev (nil for the first
// entry), computing its sequence number and hash.
func (r AuditRecord) Entry(prev *AuditEntry) (AuditEntry, error) {
	e := AuditEntry{
		Seq: 1, At: r.At.UTC().Truncate(time.Microsecond), ActorID: r.ActorID, Actor: r.Actor,
		Action: r.Action, ObjectType: r.ObjectType, ObjectID: r.ObjectID, PrevHash: AuditGenesisHash,
	}
	if prev != nil {
		e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	}
	var err error
	if e.Before, err = canonicalJSON(r.Before); err != nil {
		return AuditEntry{}, err
	}
	if e.After, err = canonicalJSON(r.After); err != nil {
		return AuditEntry{}, err
	}
	e.Hash = e.ComputeHash()
	return e, nil
}

// canonicalJSON encodes a summary map; encoding/json sorts map keys, so
// equal maps give equal bytes.
func canonicalJSON(m map[string]any) (string, error) {
	if len(m) == 0 {
		return "", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("audit summary: %w", err)
	}
	return string(b), nil
}

// ComputeHash returns the SHA-256 over the entry's fields and its
// predecessor's hash, as lower-case hex. The fields are framed as a JSON
// array so that no two different entries share an input.
func (e *AuditEntry) ComputeHash() string {
	b, _ := json.Marshal([]any{
		e.Seq, e.At.UTC().Format(AuditTimeFormat), e.ActorID, e.Actor, e.Action,
		e.ObjectType, e.ObjectID, e.Before, e.After, e.PrevHash,
	})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// AuditBreak describes the first entry where the chain does not hold.
type AuditBreak struct {
	Seq    int64
	Reason string
}

func (b *AuditBreak) Error() string {
	return fmt.Sprintf("audit log broken at entry %d: %s", b.Seq, b.Reason)
}

// AuditVerifier checks a hash chain entry by entry, in sequence order, so
// that a log of any length can be streamed through it.
type AuditVerifier struct {
	prev  *AuditEntry
	count int64
}

// Next checks the next entry and returns an *AuditBreak if it does not
// follow from the previous one.
func (v *AuditVerifier) Next(e AuditEntry) error {
	wantSeq, wantPrev := int64(1), AuditGenesisHash
	if v.prev != nil {
		wantSeq, wantPrev = v.prev.Seq+1, v.prev.Hash
	}
	switch {
	case e.Seq != wantSeq:
		return &AuditBreak{Seq: e.Seq, Reason: fmt.Sprintf("sequence number %d follows %d (an entry is missing or was inserted)", e.Seq, wantSeq-1)}
	case e.PrevHash != wantPrev:
		return &AuditBreak{Seq: e.Seq, Reason: "its previous-hash does not match the hash of the entry before it"}
	case e.ComputeHash() != e.Hash:
		return &AuditBreak{Seq: e.Seq, Reason: "its content does not match its hash (the entry was altered)"}
	}
	v.prev = &e
	v.count++
	return nil
}

// Count is the number of entries verified so far.
func (v *AuditVerifier) Count() int64 { return v.count }

// Head is the last verified entry, or nil.
func (v *AuditVerifier) Head() *AuditEntry { return v.prev }

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	BeforeSeq  int64 // only entries with Seq < BeforeSeq; 0 for the newest
	Action     string
	ObjectType string
	ObjectID   string
	Limit      int
}

// AuditVerification is the result of checking the whole chain.
type AuditVerification struct {
	Intact   bool
	Entries  int64
	HeadHash string
	Broken   *AuditBreak
}
