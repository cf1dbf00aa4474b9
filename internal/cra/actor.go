package cra

import (
	"context"
	"fmt"
)

// ActorKind says how an actor authenticated.
type ActorKind string

// Actor kinds.
const (
	ActorSession ActorKind = "session" // a person signed in through the web UI
	ActorToken   ActorKind = "token"   // an API token
	ActorSystem  ActorKind = "system"  // cyra itself or the offline CLI
	ActorSetup   ActorKind = "setup"   // the bearer of the one-time setup token
)

// Actor is who performs an action: the subject of every authorization check
// and the "who" of every audit entry.
type Actor struct {
	Kind    ActorKind
	UserID  int64  // 0 for system and setup actors
	Email   string // the user's e-mail, or a label such as "cli" for system actors
	Role    Role   // the effective role (a token's role, bounded by its owner's)
	TokenID int64  // set when Kind is ActorToken
	// SessionID is set when Kind is ActorSession.
	SessionID int64
}

// Can reports whether the actor holds permission p. System actors hold
// every permission; the setup actor holds none (setup is its own use case).
func (a *Actor) Can(p Permission) bool {
	if a == nil {
		return false
	}
	if a.Kind == ActorSystem {
		return true
	}
	if a.Kind == ActorSetup {
		return false
	}
	return a.Role.Can(p)
}

// Label is the actor as written in the audit log.
func (a *Actor) Label() string {
	switch {
	case a == nil:
		return "anonymous"
	case a.Kind == ActorToken:
		return fmt.Sprintf("%s (token %d)", a.Email, a.TokenID)
	case a.Email != "":
		return a.Email
	}
	return string(a.Kind)
}

// SystemActor returns the actor for work cyra does on its own behalf or on
// behalf of an operator at the machine (the offline CLI).
func SystemActor(label string) *Actor {
	return &Actor{Kind: ActorSystem, Email: label}
}

type actorKey struct{}

// WithActor returns a context carrying the actor.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the context's actor, or nil for an anonymous request.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// Authorize returns nil when the context's actor holds permission p,
// EUNAUTHORIZED when there is no actor and EFORBIDDEN otherwise. Every
// service method starts with it.
func Authorize(ctx context.Context, p Permission) error {
	a := ActorFrom(ctx)
	if a == nil {
		return Errorf(EUNAUTHORIZED, "Sign in or send an API token.")
	}
	if !a.Can(p) {
		return Errorf(EFORBIDDEN, "Your role (%s) does not allow this.", a.Role.Label())
	}
	return nil
}
