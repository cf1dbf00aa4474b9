package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"cyra/internal/cra"
	"cyra/internal/service"
	"cyra/internal/sqlstore"
)

// offline opens the database for an admin command and returns services
// acting as the system actor (an operator at the machine), which the audit
// log records as "cli".
func offline(ctx context.Context, db dbFlags) (cra.Services, context.Context, *sqlstore.DB, error) {
	store, err := db.open(ctx, false)
	if err != nil {
		return cra.Services{}, nil, nil, err
	}
	return service.New(store, service.Options{}), cra.WithActor(ctx, cra.SystemActor("cli")), store, nil
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "migrate", "migrate [--status] [flags]")
	status := f.Bool("status", false, "only show the schema version")
	db := addDBFlags(f)
	if err := f.parse(args, 0); err != nil {
		return err
	}
	store, err := sqlstore.Open(ctx, sqlstore.Options{URL: *db.url, DataDir: *db.data})
	if err != nil {
		return err
	}
	defer store.Close()
	if !*status {
		applied, err := store.Migrate(ctx)
		if err != nil {
			return err
		}
		for _, v := range applied {
			fmt.Fprintf(e.stdout, "applied migration %04d\n", v)
		}
	}
	cur, latest, err := store.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s database %s: schema version %d of %d\n", store.Dialect(), store.Target(), cur, latest)
	if cur < latest {
		return fmt.Errorf("%d migration(s) pending: run 'cyra migrate'", latest-cur)
	}
	return nil
}

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("say what to do: cyra user create | list | set-password")
	}
	switch args[0] {
	case "create":
		return runUserCreate(ctx, e, args[1:])
	case "list":
		return runUserList(ctx, e, args[1:])
	case "set-password":
		return runUserSetPassword(ctx, e, args[1:])
	}
	return usagef("unknown subcommand %q: use create, list or set-password", args[0])
}

func runUserCreate(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "user create", "user create --email E --role R (--password-stdin | --service) [flags]")
	email := f.String("email", "", "the user's e-mail (required)")
	name := f.String("name", "", "the user's name")
	role := f.String("role", "", "admin, security-officer, member or auditor (required)")
	pwStdin := f.Bool("password-stdin", false, "read the password from the first line of standard input")
	svc := f.Bool("service", false, "create a service account (no password; use API tokens)")
	db := addDBFlags(f)
	if err := f.parse(args, 0); err != nil {
		return err
	}
	if *email == "" || *role == "" {
		return usagef("--email and --role are required")
	}
	r, err := cra.ParseRole(*role)
	if err != nil {
		return usagef("%s", cra.ErrorMessage(err))
	}
	n := cra.NewUser{Email: *email, Name: *name, Role: r, Kind: cra.KindPerson}
	switch {
	case *svc && *pwStdin:
		return usagef("a service account has no password: drop --password-stdin")
	case *svc:
		n.Kind = cra.KindService
	case *pwStdin:
		if n.Password, err = readLine(e.stdin); err != nil {
			return err
		}
	default:
		return usagef("pass the password on standard input with --password-stdin (never as an argument), or use --service")
	}
	svcs, sctx, store, err := offline(ctx, db)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := svcs.Users.CreateUser(sctx, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created %s %s (id %d, role %s)\n", u.Kind, u.Email, u.ID, u.Role)
	return nil
}

// readLine reads one line (the password) from r without its line ending.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("no password on standard input")
	}
	return line, nil
}

// runUserSetPassword resets a person's password offline: the way back in
// when the only administrator has forgotten theirs.
func runUserSetPassword(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "user set-password", "user set-password --email E --password-stdin [flags]")
	email := f.String("email", "", "the user's e-mail (required)")
	pwStdin := f.Bool("password-stdin", false, "read the new password from the first line of standard input (required)")
	db := addDBFlags(f)
	if err := f.parse(args, 0); err != nil {
		return err
	}
	if *email == "" || !*pwStdin {
		return usagef("--email and --password-stdin are required")
	}
	pw, err := readLine(e.stdin)
	if err != nil {
		return err
	}
	svcs, sctx, store, err := offline(ctx, db)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.FindUserByEmail(ctx, *email)
	if err != nil {
		return err
	}
	if err := svcs.Users.SetPassword(sctx, u.ID, pw); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "password set for %s; their sessions were ended\n", u.Email)
	return nil
}

func runUserList(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "user list", "user list [flags]")
	db := addDBFlags(f)
	if err := f.parse(args, 0); err != nil {
		return err
	}
	svcs, sctx, store, err := offline(ctx, db)
	if err != nil {
		return err
	}
	defer store.Close()
	us, err := svcs.Users.ListUsers(sctx, cra.UserFilter{})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tROLE\tKIND\tSTATUS")
	for _, u := range us {
		status := "active"
		if !u.Active() {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, u.Kind, status)
	}
	return tw.Flush()
}

func runToken(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("say what to do: cyra token create --email E --name N")
	}
	f := newFlags(e, "token create", "token create --email E --name N [--role R] [--expires 90d] [flags]")
	email := f.String("email", "", "owner of the token (required)")
	name := f.String("name", "", "what the token is for, e.g. ci (required)")
	role := f.String("role", "", "the token's role, no higher than the owner's (default: the owner's role)")
	expires := f.String("expires", "", "lifetime such as 90d, 12h or 2w (default: never)")
	db := addDBFlags(f)
	if err := f.parse(args[1:], 0); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return usagef("--email and --name are required")
	}
	n := cra.NewToken{Name: *name}
	if *role != "" {
		r, err := cra.ParseRole(*role)
		if err != nil {
			return usagef("%s", cra.ErrorMessage(err))
		}
		n.Role = r
	}
	d, err := cra.ParseLifetime(*expires)
	if err != nil {
		return usagef("--expires: %s", cra.ErrorMessage(err))
	}
	if d > 0 {
		t := time.Now().Add(d)
		n.ExpiresAt = &t
	}
	svcs, sctx, store, err := offline(ctx, db)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.FindUserByEmail(ctx, *email)
	if err != nil {
		return err
	}
	n.UserID = u.ID
	ct, err := svcs.Tokens.CreateToken(sctx, n)
	if err != nil {
		return err
	}
	exp := "never"
	if ct.Token.ExpiresAt != nil {
		exp = ct.Token.ExpiresAt.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(e.stderr, "token %q for %s, role %s, expires %s (shown once; cyra stores only its hash):\n", ct.Token.Name, u.Email, ct.Token.Role, exp)
	fmt.Fprintln(e.stdout, ct.Secret)
	return nil
}

// errAuditBroken makes `cyra audit verify` exit non-zero.
var errAuditBroken = errors.New("audit log is broken")

func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return usagef("say what to do: cyra audit verify")
	}
	f := newFlags(e, "audit verify", "audit verify [flags]")
	db := addDBFlags(f)
	if err := f.parse(args[1:], 0); err != nil {
		return err
	}
	svcs, sctx, store, err := offline(ctx, db)
	if err != nil {
		return err
	}
	defer store.Close()
	v, err := svcs.Audit.VerifyAudit(sctx)
	if err != nil {
		return err
	}
	if !v.Intact {
		fmt.Fprintf(e.stdout, "BROKEN at entry %d: %s (%d entries before it verified)\n", v.Broken.Seq, v.Broken.Reason, v.Entries)
		return fmt.Errorf("%w at entry %d", errAuditBroken, v.Broken.Seq)
	}
	fmt.Fprintf(e.stdout, "intact: %d entries, head %s\n", v.Entries, v.HeadHash)
	return nil
}
