package sqlstore

import (
	"context"
	"strings"

	"cyra/internal/cra"
)

const userColumns = `id, email, name, role, kind, created_at, disabled_at, last_login_at`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (*cra.User, error) {
	var u cra.User
	var created, disabled, lastLogin scanTime
	dest := append([]any{&u.ID, &u.Email, &u.Name, &u.Role, &u.Kind, &created, &disabled, &lastLogin}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	u.CreatedAt, u.DisabledAt, u.LastLoginAt = created.T, disabled.Ptr(), lastLogin.Ptr()
	return &u, nil
}

// CreateUser inserts a user.
func (db *DB) CreateUser(ctx context.Context, u *cra.User, passwordHash string, rec cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		return db.createUser(ctx, tx, u, passwordHash, rec)
	})
}

func (db *DB) createUser(ctx context.Context, tx *Tx, u *cra.User, passwordHash string, rec cra.AuditRecord) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = db.now().UTC()
	}
	id, err := tx.insertID(ctx, `INSERT INTO users (email, name, role, kind, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		u.Email, u.Name, string(u.Role), string(u.Kind), passwordHash, dbTime(u.CreatedAt))
	if err != nil {
		if cra.ErrorCode(formatError(err)) == cra.ECONFLICT {
			return cra.Errorf(cra.ECONFLICT, "A user with e-mail %s already exists.", u.Email)
		}
		return err
	}
	u.ID = id
	if rec.ObjectID == "" {
		rec.ObjectID = itoa(id)
	}
	return db.appendAudit(ctx, tx, rec)
}

// FindUserByID returns one user.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*cra.User, error) {
	users, err := db.FindUsers(ctx, cra.UserFilter{ID: &id})
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, cra.Errorf(cra.ENOTFOUND, "User %d not found.", id)
	}
	return users[0], nil
}

// FindUserByEmail returns one user by (normalised) e-mail.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*cra.User, error) {
	email = cra.NormalizeEmail(email)
	users, err := db.FindUsers(ctx, cra.UserFilter{Email: &email})
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, cra.Errorf(cra.ENOTFOUND, "No user with e-mail %s.", email)
	}
	return users[0], nil
}

// FindUsers lists users ordered by e-mail.
func (db *DB) FindUsers(ctx context.Context, f cra.UserFilter) ([]*cra.User, error) {
	var out []*cra.User
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		out, err = findUsers(ctx, tx, f)
		return err
	})
	return out, err
}

func findUsers(ctx context.Context, tx *Tx, f cra.UserFilter) ([]*cra.User, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.ID != nil {
		where, args = append(where, "id = ?"), append(args, *f.ID)
	}
	if f.Email != nil {
		where, args = append(where, "email = ?"), append(args, *f.Email)
	}
	if f.Kind != nil {
		where, args = append(where, "kind = ?"), append(args, string(*f.Kind))
	}
	rows, err := tx.query(ctx, `SELECT `+userColumns+` FROM users WHERE `+strings.Join(where, " AND ")+` ORDER BY email`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*cra.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUsers counts all users, service accounts included.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.view(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	})
	return n, err
}

// UpdateUser applies fn to a user in one transaction and refuses to leave
// the instance without an active administrator.
func (db *DB) UpdateUser(ctx context.Context, id int64, fn func(u *cra.User) (cra.AuditRecord, error)) (*cra.User, error) {
	var out *cra.User
	err := db.update(ctx, func(tx *Tx) error {
		if err := tx.lock(ctx, lockUsers); err != nil {
			return err
		}
		users, err := findUsers(ctx, tx, cra.UserFilter{ID: &id})
		if err != nil {
			return err
		}
		if len(users) == 0 {
			return cra.Errorf(cra.ENOTFOUND, "User %d not found.", id)
		}
		u := users[0]
		rec, err := fn(u)
		if err != nil {
			return err
		}
		out = u
		if rec.Action == "" {
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE users SET name = ?, role = ?, disabled_at = ? WHERE id = ?`,
			u.Name, string(u.Role), dbTimePtr(u.DisabledAt), u.ID); err != nil {
			return err
		}
		if u.DisabledAt != nil {
			// A disabled account loses its sessions at once; its tokens stop
			// working because authentication checks the owner.
			if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
				return err
			}
		}
		var admins int
		if err := tx.queryRow(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND kind = 'person' AND disabled_at IS NULL`).Scan(&admins); err != nil {
			return err
		}
		if admins == 0 {
			return cra.Errorf(cra.ECONFLICT, "This would leave no active administrator; make someone else an administrator first.")
		}
		return db.appendAudit(ctx, tx, rec)
	})
	return out, err
}

// PasswordHash returns the user with this e-mail and their password hash.
func (db *DB) PasswordHash(ctx context.Context, email string) (*cra.User, string, error) {
	var u *cra.User
	var hash string
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		u, err = scanUser(tx.queryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = ?`, cra.NormalizeEmail(email)), &hash)
		return notFound(err, "No such user.")
	})
	return u, hash, err
}

// SetPassword replaces a password hash and ends the user's other sessions.
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string, keepSessionID int64, rec cra.AuditRecord) error {
	return db.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND kind = 'person'`, hash, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cra.Errorf(cra.ENOTFOUND, "User %d not found.", userID)
		}
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, userID, keepSessionID); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, rec)
	})
}
